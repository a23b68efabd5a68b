import GridworkStore
import Testing

/// The seed reproduces the report.
struct SeedTests {
    static let records = SeedGenerator.generate()
    static let store = Store(seed: records)

    @Test func seed_reproduces_everyFigure() {
        let stats = Self.store.stats()
        #expect(Figure.all.count == 49)
        #expect(Figure.all.allSatisfy { !$0.reportOnly })
        for figure in Figure.all {
            #expect(stats.live(figure) == figure.reported, "\(figure.id) \(figure.key)")
        }
    }

    @Test func seed_isByteIdentical_acrossGenerations() {
        let again = SeedGenerator.generate()
        #expect(again.count == Self.records.count)
        for (first, second) in zip(Self.records, again) {
            #expect(first.0 == second.0)
            #expect(first.1.json(first.0.schema) == second.1.json(second.0.schema))
        }
    }

    @Test func seed_differs_forAnotherSeed() {
        let other = SeedGenerator.generate(seed: 7)
        let differing = zip(Self.records, other).filter { $0.1 != $1.1 }.count
        #expect(differing > 1000)
        #expect(Store(seed: other).stats().live == Self.store.stats().live)
    }

    @Test func seed_has_theReportsShape() {
        #expect(Self.store.count(.towns) == 9)
        #expect(Self.store.count(.villages) == 95)
        #expect(Self.store.count(.grids) == 9 + 495)
        #expect(Self.store.count(.cadres) == 33 + 250 + 1850 + 33)
        #expect(Self.store.count(.projects) == 53 + 45 + 22)
        #expect(Self.store.count(.assistanceRecords) == 13_300 + 3_300 + 1_041 + 360 + 841 + 497 + 172 + 53)
    }

    @Test func seed_uses_everyCadreAndGrid() {
        let records = Self.store.all(.assistanceRecords)
        let cadres = Set(records.map { $0[AssistanceField.cadreId].string! })
        let grids = Set(records.map { $0[AssistanceField.gridId].string! })
        #expect(cadres == Set(Self.store.all(.cadres).map(\.id)))
        #expect(grids == Set(Self.store.all(.grids).map(\.id)))
        for cadre in Self.store.all(.cadres) {
            let served = cadre[CadreField.gridIds].list
            #expect((1...3).contains(served.count), "\(cadre.id) serves \(served.count) grids")
            if cadre[CadreField.level].string == "district_leader" {
                for grid in served {
                    #expect(Self.store.record(.grids, id: grid)?[GridField.level].string == "town")
                }
            }
        }
    }

    @Test func seed_keeps_syntheticData_plausible() {
        for record in Self.store.all(.assistanceRecords) {
            let date = record[AssistanceField.date].string!
            #expect(date >= "2014-01-01" && date <= "2014-08-05")
            #expect(CalendarDate(date) != nil)
            let amount = record[AssistanceField.amountYuan]
            if record[AssistanceField.type].string == "funding" {
                #expect(amount.int >= 1_000 && amount.int <= 100_000)
            } else {
                #expect(amount == .null)
            }
        }
        let sources = Set(Self.records.map(\.1.source))
        #expect(sources == [.report, .reference, .synthetic])
        // A working-week rhythm: weekdays far busier than Sundays (2014-01-05 was a Sunday).
        var byWeekday = [Int](repeating: 0, count: 7)
        for record in Self.store.all(.assistanceRecords) {
            let date = CalendarDate(record[AssistanceField.date].string!)!
            byWeekday[(Self.dayOfYear(date) + 3) % 7] += 1
        }
        #expect(byWeekday[3] > 4 * byWeekday[0])
    }

    static func dayOfYear(_ date: CalendarDate) -> Int {
        var days = date.day - 1
        for month in 1..<date.month { days += [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] }
        return days
    }

    @Test func seed_names_theReportsRecords_withTheirFigures() throws {
        let store = Self.store
        let villages = store.all(.villages).filter { $0.source == .report }.map { $0[VillageField.name].string! }
        #expect(
            Set(villages)
                == ["交通村", "五星村", "新供村", "仁江村", "排军村", "新黔村", "永胜村", "松杉村", "麻沟村", "洪江村", "团泽居", "上坪村", "卜台村", "板桥村"]
        )
        let towns = store.all(.towns)
        #expect(towns.filter { $0.source == .report }.count == 5)
        #expect(towns.filter { $0.source == .reference }.count == 4)

        let zhou = try #require(store.record(.projects, id: "project-zhou-orchard"))
        #expect(zhou[ProjectField.investmentYuan] == .int(3_500_000))
        #expect(zhou[ProjectField.expectedAnnualOutputYuan] == .int(9_000_000))
        #expect(zhou[ProjectField.kind] == .string("secretary_claimed"))
        #expect(zhou[ProjectField.leaderName] == .string("周必康"))
        let liu = try #require(store.record(.projects, id: "project-liu-bashan"))
        #expect(liu[ProjectField.investmentYuan] == .int(800_000))
        #expect(liu[ProjectField.enterprise] == .string("巴山生态养殖场"))
        let lu = try #require(store.record(.projects, id: "project-lu-baoshan"))
        #expect(lu[ProjectField.investmentYuan] == .int(40_000_000))
        #expect(lu[ProjectField.jobs] == .int(150))
        let huang = try #require(store.record(.projects, id: "project-huang-tianbao"))
        #expect(huang[ProjectField.investmentYuan] == .int(9_000_000))
        #expect(huang[ProjectField.jobs] == .int(32))
        let songshan = try #require(store.record(.projects, id: "project-songshan-tongxin"))
        #expect(songshan[ProjectField.investmentYuan] == .int(380_000))
        #expect(songshan[ProjectField.supportYuan] == .int(100_000))
        #expect(songshan[ProjectField.beneficiaries] == .int(580))
        let xinqian = try #require(store.record(.projects, id: "project-xinqian-xinxiangqian"))
        #expect(xinqian[ProjectField.investmentYuan] == .int(2_000_000))
        let cheng = try #require(store.record(.projects, id: "project-cheng-wanshengyuan"))
        #expect(cheng[ProjectField.investmentYuan] == .int(20_000_000))
        #expect(cheng[ProjectField.beneficiaries] == .int(1_000))
        #expect(cheng[ProjectField.villageId] == .string("village-tuanzeju"))
        for id in [
            "project-yongsheng-grape", "project-hongjiang-leisure", "project-magou-resort", "project-banqiao-fungi",
        ] {
            #expect(store.record(.projects, id: id)?.source == .report, "\(id)")
        }
        for name in ["周必康", "刘开发", "卢正禄", "黄先玖"] {
            let cadre = store.all(.cadres).first { $0[CadreField.name].string == name }
            #expect(cadre?.source == .report)
            #expect(cadre?[CadreField.roles] == .list(["project_secretary"]))
        }
    }

    @Test func stats_byTown_addsUp() {
        let stats = Self.store.stats()
        #expect(stats.byTown.count == 9)
        #expect(stats.byTown.reduce(0) { $0 + $1.grids } == 504)
        #expect(stats.byTown.reduce(0) { $0 + $1.visits } == 13_300)
        #expect(stats.byTown.reduce(0) { $0 + $1.fundsYuan } == 3_600_000)
        #expect(stats.byTown.reduce(0) { $0 + $1.projects } == 120)
        #expect(stats.byTown.allSatisfy { $0.cadres > 0 })
    }
}
