/// What a seeded case is about: the topic of the work log it closed into, or one of its grid's.
struct SeededMatter {
    enum Kind {
        /// A dispute, petition or hazard (矛盾纠纷、信访、隐患).
        case dispute
        /// A works or livelihood problem (交通、水利…, 医疗、社会救助…).
        case problem
        /// A household's need that a cadre met (好事实事).
        case deed
        /// A difficulty of a development work (服务发展).
        case development
    }

    var kind: Kind
    /// The topic as the work logs name it.
    var topic: String
    /// For a deed: whom it was for (残、困、孤…), when the log says.
    var whom: String?
}

/// Writes the words of seeded cases — the matter a work log was about, titles, descriptions and
/// whom to dispatch to — for the places they lie in, with no two descriptions alike.
struct SeededCaseText {
    /// Where a grid lies, as the work logs name it.
    struct Place {
        var name: String
        var grid: String
        var kind: SeedNames.PlaceKind
        var town: String
        var inStreet: Bool
        /// The grid's village or community and whether it is a village, for unit grids.
        var village: (name: String, isVillage: Bool)?
        var topics: SeedNames.Topics

        /// Who people take a matter to.
        var committee: String {
            switch kind {
            case .rural: "村委会"
            case .townLevel: inStreet ? "街道综治办" : "镇综治办"
            default: "居委会"
            }
        }
    }

    private(set) var places: [String: Place] = [:]
    private var usedDescriptions: Set<String> = []

    init(generator: SeedGenerator) {
        let composer = WorkLogComposer(generator: generator)
        let townNames = Dictionary(uniqueKeysWithValues: generator.towns.map { ($0.id, $0.name) })
        let villageKinds = Dictionary(uniqueKeysWithValues: generator.villages.map { ($0.id, $0.kind) })
        for (grid, place) in composer.gridPlace {
            let town = generator.gridTown[grid]!
            places[grid] = Place(
                name: place.name, grid: generator.gridNames[grid]!, kind: place.kind, town: townNames[town]!,
                inStreet: SeedNames.isStreet(town),
                village: generator.gridVillage[grid].map { ($0.name, villageKinds[$0.id] == "village") },
                topics: composer.topics(grid))
        }
    }

    // MARK: Matters

    /// The matter of a `good_deed` or `problem_resolved` work log, read back from its summary.
    func matter(ofSummary summary: String, type: String, grid: String, _ random: inout SplitMix64) -> SeededMatter {
        let topics = places[grid]!.topics
        if type == "good_deed" {
            if let deed = Self.longest(of: topics.deeds, in: summary) {
                return SeededMatter(
                    kind: .deed, topic: deed, whom: Self.longest(of: SeedNames.specialCases, in: summary))
            }
            if let work = Self.longest(of: topics.works, in: summary) {
                return SeededMatter(kind: .development, topic: work)
            }
            return SeededMatter(kind: .deed, topic: random.pick(topics.deeds))
        }
        if let dispute = Self.longest(of: topics.disputes, in: summary) {
            return SeededMatter(kind: .dispute, topic: dispute)
        }
        let problem = Self.longest(of: topics.infrastructure + topics.livelihood, in: summary)
        return SeededMatter(kind: .problem, topic: problem ?? random.pick(topics.infrastructure))
    }

    /// A matter of `grid` that no work log stands for.
    func anyMatter(in grid: String, _ random: inout SplitMix64) -> SeededMatter {
        let topics = places[grid]!.topics
        switch random.int(in: 0...19) {
        case 0...5: return SeededMatter(kind: .dispute, topic: random.pick(topics.disputes))
        case 6...14: return SeededMatter(kind: .problem, topic: random.pick(topics.infrastructure + topics.livelihood))
        case 15...17: return SeededMatter(kind: .deed, topic: random.pick(topics.deeds))
        default: return SeededMatter(kind: .development, topic: random.pick(topics.works))
        }
    }

    /// The longest of `candidates` that `text` holds, compared as UTF-8 bytes.
    static func longest(of candidates: [String], in text: String) -> String? {
        var text = text
        var candidates = candidates
        return text.withUTF8 { haystack in
            var best: (String, Int)?
            for index in candidates.indices {
                let found = candidates[index].withUTF8 { needle in
                    needle.count > (best?.1 ?? 0) && contains(haystack, needle)
                }
                if found { best = (candidates[index], candidates[index].utf8.count) }
            }
            return best?.0
        }
    }

    /// Whether `text` holds `word`, compared as UTF-8 bytes.
    static func holds(_ text: String, _ word: String) -> Bool {
        var text = text
        var word = word
        return text.withUTF8 { haystack in word.withUTF8 { contains(haystack, $0) } }
    }

    private static func contains(_ haystack: UnsafeBufferPointer<UInt8>, _ needle: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !needle.isEmpty, needle.count <= haystack.count else { return needle.isEmpty }
        outer: for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            for offset in 1..<needle.count where haystack[start + offset] != needle[offset] { continue outer }
            return true
        }
        return false
    }

    // MARK: Words

    /// The topic as a noun: without the 化解/推进/落实 that made it a task.
    static func plain(_ topic: String) -> String {
        for ending in ["化解", "推进", "落实"] where topic.hasSuffix(ending) && topic.count > ending.count + 2 {
            return String(topic.dropLast(ending.count))
        }
        return topic
    }

    /// `topic` as a problem: 问题 added unless it already names one.
    static func asProblem(_ topic: String) -> String {
        let plain = plain(topic)
        return ["问题", "纠纷", "诉求", "矛盾", "隐患", "扰民", "经营", "搭建"].contains { plain.hasSuffix($0) }
            ? plain : plain + "问题"
    }

    /// What a deed answered.
    static func need(_ deed: String) -> String {
        SeedNames.deedNeeds[deed] ?? "生活遇到困难"
    }

    static let numerals = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"]

    /// A part of the place: a villagers' group in a village, a building elsewhere.
    func part(of place: Place, _ random: inout SplitMix64) -> String {
        switch place.kind {
        case .rural: "第\(random.pick(Self.numerals))村民组"
        case .townLevel: ""
        default: random.int(in: 0...1) == 0 ? "\(random.int(in: 1...32))栋" : "\(random.int(in: 1...18))号楼"
        }
    }

    /// The title: what the problem or request is.
    func title(_ matter: SeededMatter, at place: Place, _ random: inout SplitMix64) -> String {
        let topic = Self.plain(matter.topic)
        switch matter.kind {
        case .dispute where topic.hasSuffix("纠纷"):
            return random.pick(["\(place.name)\(topic)", "调处\(topic)", "关于\(topic)的反映", "\(topic)"])
        case .dispute, .problem:
            let problem = Self.asProblem(matter.topic)
            let asks = matter.kind == .problem ? ["请求解决\(problem)", "反映\(problem)", "\(problem)待协调"] : []
            return random.pick(["\(place.name)\(problem)", "关于\(problem)的反映", "\(problem)"] + asks)
        case .deed:
            let need = Self.need(matter.topic)
            let short = String(need.prefix { $0 != "，" })
            guard SeedNames.householdDeeds.contains(matter.topic) else {
                return random.pick(["\(place.name)\(short)", "\(short)", "群众反映\(short)"])
            }
            let subject = matter.whom ?? "困难群众"
            return random.pick(["\(subject)\(short)", "\(place.name)一户\(subject)\(short)", "请求帮助：\(subject)\(short)"])
        case .development:
            return random.pick(["\(topic)遇到困难", "\(place.name)\(topic)推进受阻", "协调\(topic)中的具体困难"])
        }
    }

    /// The description: how the case came in and the facts as found, never the same twice.
    /// A consultation (`consulting`) asks about the policy behind the matter rather than for work.
    mutating func description(
        _ matter: SeededMatter, at place: Place, origin: String, household: String?, consulting: Bool = false,
        _ random: inout SplitMix64
    ) -> String {
        for attempt in 0..<8 {
            let facts =
                consulting
                ? random.pick([
                    "\(place.name)\(part(of: place, &random))群众对\(Self.plain(matter.topic))政策不了解，询问办理条件和程序",
                    "\(place.name)有群众询问\(Self.plain(matter.topic))的条件和标准，对已办结果有疑问",
                ]) : situation(matter, at: place, &random)
            let text = opening(origin, at: place, household: household, &random) + facts + random.pick(Self.closings)
            if usedDescriptions.insert(text).inserted || attempt == 7 { return text }
        }
        return ""
    }

    static let closings = ["，请求尽快协调解决。", "，希望有关部门帮助解决。", "，群众盼望早日解决。", "，请予协调处理。", "。", "。"]

    private func opening(_ origin: String, at place: Place, household: String?, _ random: inout SplitMix64)
        -> String
    {
        let person = household.map { "群众\($0)" } ?? random.pick(["群众", "当事人", "部分群众"])
        let options: [String] =
            switch origin {
            case "household":
                [
                    "\(person)到\(place.committee)反映，", "\(person)向网格挂帮干部反映，", "\(person)来电反映，",
                    "\(person)到网格服务站反映，",
                ]
            case "hotline": ["12345热线转办：来电群众反映，", "12345热线工单：群众来电称，", "市长热线转来诉求：", "12345热线交办："]
            case "supervision": ["区督查组督查时发现，", "教育实践活动整改清单交办：", "区信访局转办：", "区委督查室交办："]
            default:
                [
                    "挂帮干部走访\(place.grid)时发现，", "网格挂帮干部入户走访中了解到，", "在\(place.name)召开群众座谈会时，群众反映，",
                    "挂帮干部开展民情调研时发现，", "网格员日常巡查发现，",
                ]
            }
        return random.pick(options)
    }

    private func situation(_ matter: SeededMatter, at place: Place, _ random: inout SplitMix64) -> String {
        let part = part(of: place, &random)
        // A family's dispute or need touches a few households; works, land and estates many.
        let many =
            matter.kind == .development || place.topics.infrastructure.contains(matter.topic)
            || SeedNames.collectiveWords.contains { Self.holds(matter.topic, $0) }
        let households = many ? random.int(in: 6...60) : random.int(in: 2...7)
        switch matter.kind {
        case .dispute where matter.topic.hasSuffix("纠纷"):
            let first = SeedNames.surnames.draw(&random)
            var second = SeedNames.surnames.draw(&random)
            while second == first { second = SeedNames.surnames.draw(&random) }
            return random.pick([
                "\(place.name)\(part)\(first)、\(second)两户因\(matter.topic)多次发生争执，经\(place.committee)调解未果，矛盾有激化苗头",
                "\(place.name)\(part)一起\(matter.topic)涉及\(households)户群众，当事人情绪较为激动",
                "\(place.name)\(matter.topic)已持续\(random.int(in: 2...18))个月，双方各执一词，多次到\(place.committee)反映",
                "\(place.name)\(part)\(first)姓与\(second)姓\(place.kind == .rural ? "村民" : "居民")因\(matter.topic)产生矛盾",
            ])
        case .dispute, .problem:
            let problem = Self.asProblem(matter.topic)
            return random.pick([
                "\(place.name)\(part)存在\(problem)，涉及\(households)户群众，群众意见较大",
                "\(place.name)\(problem)反映多次仍未解决，当事人情绪较大",
                "\(place.name)\(part)\(problem)近\(random.int(in: 2...12))个月来反复出现",
                "\(place.name)\(part)\(problem)长期未得到解决，影响\(households)户群众生活",
                "\(place.name)\(part)\(households)户群众反映\(problem)",
                "\(place.name)\(problem)群众反映强烈，\(place.committee)多次协调未果",
            ])
        case .deed:
            let need = Self.need(matter.topic)
            guard SeedNames.householdDeeds.contains(matter.topic) else {
                let among = matter.whom.map { "，涉及\($0)等困难群众" } ?? ""
                return random.pick([
                    "\(place.name)\(part)\(need)\(among)", "\(place.name)\(part)\(households)户群众反映\(need)\(among)",
                ])
            }
            let whom = matter.whom ?? random.pick(["群众", place.kind == .rural ? "村民" : "居民"])
            return random.pick([
                "\(place.name)\(part)一户\(whom)\(need)，本人无力解决", "\(place.name)\(part)\(whom)\(need)",
                "\(place.name)一户\(whom)\(need)，家中无人帮忙",
            ])
        case .development:
            let obstacle = random.pick(["资金缺口", "用地协调困难", "技术力量不足", "部分群众有顾虑", "相关手续办理不畅", "用工不足"])
            let work = Self.plain(matter.topic)
            return random.pick([
                "\(place.name)\(work)推进中遇到\(obstacle)，进度滞后", "\(place.name)\(work)因\(obstacle)进展缓慢",
                "\(place.name)\(work)遇到\(obstacle)，影响按期完成",
            ])
        }
    }

    // MARK: Units

    /// Whom a matter goes to: the office or organ its topic calls for, in its town.
    func unit(for topic: String, at place: Place, _ random: inout SplitMix64) -> String {
        let units = SeedNames.caseUnits.first { Self.holds(topic, $0.word) }?.units ?? []
        let named = units.compactMap { name($0, at: place) }
        if !named.isEmpty { return random.int(in: 0...3) == 0 ? random.pick(named) : named[0] }
        return name(.village, at: place) ?? name(.town("党政办"), at: place)!
    }

    /// A unit the case goes to first by mistake: any but `right`.
    func wrongUnit(besides right: String, at place: Place, _ random: inout SplitMix64) -> String {
        let options = SeedNames.firstGuessUnits.compactMap { name($0, at: place) }.filter { $0 != right }
        return random.pick(options)
    }

    func name(_ unit: CaseUnit, at place: Place) -> String? {
        switch unit {
        case .organ(let organ): return organ
        case .town(let office):
            return place.inStreet && !SeedNames.streetOffices.contains(office) ? nil : place.town + office
        case .village:
            guard let village = place.village else { return nil }
            return village.name + (village.isVillage ? "村委会" : "居委会")
        }
    }
}
