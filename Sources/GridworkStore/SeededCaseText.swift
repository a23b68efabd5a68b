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
    /// Fingerprints of the descriptions written so far (hashing the Chinese text itself costs more).
    private var usedDescriptions: Set<UInt64> = []
    /// The units each topic calls for, once looked up: a few hundred topics serve all the cases.
    private var unitsByTopic: [String: [CaseUnit]] = [:]

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

    /// The matter of a `good_deed` or `problem_resolved` work log, read back from its summary: its
    /// topic is looked for first where the composer's templates put it, just before their fixed
    /// endings, and anywhere only if not found there.
    func matter(ofSummary summary: String, type: String, grid: String, _ random: inout SplitMix64) -> SeededMatter {
        let topics = places[grid]!.topics
        let pools: [(SeededMatter.Kind, [String])] =
            type == "good_deed"
            ? [(.deed, topics.deeds), (.development, topics.works)]
            : [(.dispute, topics.disputes), (.problem, topics.infrastructure), (.problem, topics.livelihood)]
        var summary = summary
        let found: (SeededMatter.Kind, String, Int)? = summary.withUTF8 { bytes in
            let end = Self.topicEnd(in: bytes)
            for (kind, pool) in pools {
                if let topic = Self.longest(of: pool, in: bytes, endingAt: end) { return (kind, topic, end) }
            }
            for (kind, pool) in pools {
                if let topic = Self.longest(of: pool, in: bytes) { return (kind, topic, -1) }
            }
            return nil
        }
        guard let (kind, topic, end) = found else {
            return type == "good_deed"
                ? SeededMatter(kind: .deed, topic: random.pick(topics.deeds))
                : SeededMatter(kind: .problem, topic: random.pick(topics.infrastructure))
        }
        guard kind == .deed else { return SeededMatter(kind: kind, topic: topic) }
        // Whom a deed was for comes just before it ("为…低保户送去…").
        let whom = summary.withUTF8 { bytes in
            end < 0
                ? Self.longest(of: SeedNames.specialCases, in: bytes)
                : Self.longest(of: SeedNames.specialCases, in: bytes, endingAt: end - topic.utf8.count)
        }
        return SeededMatter(kind: .deed, topic: topic, whom: whom)
    }

    /// What the composer writes after a topic (`WorkLogComposer.goodDeed`, `.resolved`).
    static let summaryEndings = ["中的具体困难", "问题，群众表示满意", "，双方达成调解协议", "，当事人息诉罢访", "得到化解"]

    /// Where a summary's topic ends: before its template's fixed ending, before "，惠及", or at the end.
    static func topicEnd(in bytes: UnsafeBufferPointer<UInt8>) -> Int {
        for ending in summaryEndings {
            let length = ending.utf8.count
            if bytes.count >= length && bytes[(bytes.count - length)...].elementsEqual(ending.utf8) {
                return bytes.count - length
            }
        }
        var benefit = "，惠及"
        return benefit.withUTF8 { marker in firstIndex(of: marker, in: bytes) } ?? bytes.count
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

    /// The longest of `candidates` that `bytes` hold anywhere.
    static func longest(of candidates: [String], in bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var best: (String, Int)?
        for candidate in candidates {
            var needle = candidate
            let length = needle.utf8.count
            if length > (best?.1 ?? 0) && needle.withUTF8({ firstIndex(of: $0, in: bytes) != nil }) {
                best = (candidate, length)
            }
        }
        return best?.0
    }

    /// The longest of `candidates` that `bytes` hold just before `end`.
    static func longest(of candidates: [String], in bytes: UnsafeBufferPointer<UInt8>, endingAt end: Int) -> String? {
        var best: (String, Int)?
        for candidate in candidates {
            let length = candidate.utf8.count
            guard length <= end, length > (best?.1 ?? 0) else { continue }
            if bytes[(end - length)..<end].elementsEqual(candidate.utf8) { best = (candidate, length) }
        }
        return best?.0
    }

    /// Whether `text` holds `word`, compared as UTF-8 bytes.
    static func holds(_ text: String, _ word: String) -> Bool {
        var text = text
        var word = word
        return text.withUTF8 { haystack in word.withUTF8 { firstIndex(of: $0, in: haystack) != nil } }
    }

    /// Where `needle` first occurs in `haystack`.
    private static func firstIndex(of needle: UnsafeBufferPointer<UInt8>, in haystack: UnsafeBufferPointer<UInt8>)
        -> Int?
    {
        guard !needle.isEmpty else { return 0 }
        guard needle.count <= haystack.count else { return nil }
        let first = needle[0]
        let last = needle[needle.count - 1]
        outer: for start in 0...(haystack.count - needle.count)
        where haystack[start] == first && haystack[start + needle.count - 1] == last {
            for offset in 1..<needle.count where haystack[start + offset] != needle[offset] { continue outer }
            return start
        }
        return nil
    }

    /// Whether `text` ends with `suffix`, compared as UTF-8 bytes (`hasSuffix` compares characters).
    static func ends(_ text: String, with suffix: String) -> Bool {
        let length = suffix.utf8.count
        return text.utf8.count >= length && text.utf8.suffix(length).elementsEqual(suffix.utf8)
    }

    // MARK: Words

    /// The topic as a noun: without the 化解/推进/落实 that made it a task.
    static func plain(_ topic: String) -> String {
        // Only where two characters or more would stay: 化解 alone stays 化解.
        for ending in ["化解", "推进", "落实"] where ends(topic, with: ending) && topic.utf8.count > 12 {
            return String(decoding: topic.utf8.dropLast(6), as: UTF8.self)
        }
        return topic
    }

    /// `topic` as a problem: 问题 added unless it already names one.
    static func asProblem(_ topic: String) -> String {
        let plain = plain(topic)
        return ["问题", "纠纷", "诉求", "矛盾", "隐患", "扰民", "经营", "搭建"].contains { ends(plain, with: $0) }
            ? plain : plain + "问题"
    }

    /// What a deed answered.
    static func need(_ deed: String) -> String {
        SeedNames.deedNeeds[deed] ?? "生活遇到困难"
    }

    /// What a deed answered, up to its first comma.
    static func shortNeed(_ deed: String) -> String {
        let need = need(deed)
        var bytes = need
        let comma = "，"
        let end = bytes.withUTF8 { text in
            var mark = comma
            return mark.withUTF8 { firstIndex(of: $0, in: text) } ?? text.count
        }
        return String(decoding: need.utf8.prefix(end), as: UTF8.self)
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

    /// The title: what the problem or request is. Each text below builds only the wording drawn:
    /// the seed writes them at every start.
    func title(_ matter: SeededMatter, at place: Place, _ random: inout SplitMix64) -> String {
        let topic = Self.plain(matter.topic)
        switch matter.kind {
        case .dispute where Self.ends(topic, with: "纠纷"):
            switch random.int(in: 0...3) {
            case 0: return place.name + topic
            case 1: return "调处" + topic
            case 2: return "关于\(topic)的反映"
            default: return topic
            }
        case .dispute, .problem:
            let problem = Self.asProblem(matter.topic)
            switch random.int(in: 0...(matter.kind == .problem ? 5 : 2)) {
            case 0: return place.name + problem
            case 1: return "关于\(problem)的反映"
            case 2: return problem
            case 3: return "请求解决" + problem
            case 4: return "反映" + problem
            default: return problem + "待协调"
            }
        case .deed:
            let short = Self.shortNeed(matter.topic)
            guard SeedNames.householdDeeds.contains(matter.topic) else {
                switch random.int(in: 0...2) {
                case 0: return place.name + short
                case 1: return short
                default: return "群众反映" + short
                }
            }
            let subject = matter.whom ?? "困难群众"
            switch random.int(in: 0...2) {
            case 0: return subject + short
            case 1: return "\(place.name)一户\(subject)\(short)"
            default: return "请求帮助：\(subject)\(short)"
            }
        case .development:
            switch random.int(in: 0...2) {
            case 0: return topic + "遇到困难"
            case 1: return "\(place.name)\(topic)推进受阻"
            default: return "协调\(topic)中的具体困难"
            }
        }
    }

    /// The description: how the case came in and the facts as found, never the same twice.
    /// A consultation (`consulting`) asks about the policy behind the matter rather than for work.
    mutating func description(
        _ matter: SeededMatter, at place: Place, origin: String, household: String?, consulting: Bool = false,
        _ random: inout SplitMix64
    ) -> String {
        for attempt in 0..<8 {
            var text = opening(origin, at: place, household: household, &random)
            if consulting {
                text +=
                    random.int(in: 0...1) == 0
                    ? "\(place.name)\(part(of: place, &random))群众对\(Self.plain(matter.topic))政策不了解，询问办理条件和程序"
                    : "\(place.name)有群众询问\(Self.plain(matter.topic))的条件和标准，对已办结果有疑问"
            } else {
                text += situation(matter, at: place, &random)
            }
            text += random.pick(Self.closings)
            if usedDescriptions.insert(Self.fingerprint(text)).inserted || attempt == 7 { return text }
        }
        return ""
    }

    /// FNV-1a over the UTF-8 bytes: a repeat is redrawn, and a rare false match only redraws too.
    static func fingerprint(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }

    static let closings = ["，请求尽快协调解决。", "，希望有关部门帮助解决。", "，群众盼望早日解决。", "，请予协调处理。", "。", "。"]
    static let hotlineOpenings = ["12345热线转办：来电群众反映，", "12345热线工单：群众来电称，", "市长热线转来诉求：", "12345热线交办："]
    static let supervisionOpenings = ["区督查组督查时发现，", "教育实践活动整改清单交办：", "区信访局转办：", "区委督查室交办："]

    private func opening(_ origin: String, at place: Place, household: String?, _ random: inout SplitMix64)
        -> String
    {
        switch origin {
        case "household":
            let person = household.map { "群众" + $0 } ?? random.pick(["群众", "当事人", "部分群众"])
            switch random.int(in: 0...3) {
            case 0: return "\(person)到\(place.committee)反映，"
            case 1: return person + "向网格挂帮干部反映，"
            case 2: return person + "来电反映，"
            default: return person + "到网格服务站反映，"
            }
        case "hotline": return random.pick(Self.hotlineOpenings)
        case "supervision": return random.pick(Self.supervisionOpenings)
        default:
            switch random.int(in: 0...4) {
            case 0: return "挂帮干部走访\(place.grid)时发现，"
            case 1: return "网格挂帮干部入户走访中了解到，"
            case 2: return "在\(place.name)召开群众座谈会时，群众反映，"
            case 3: return "挂帮干部开展民情调研时发现，"
            default: return "网格员日常巡查发现，"
            }
        }
    }

    private func situation(_ matter: SeededMatter, at place: Place, _ random: inout SplitMix64) -> String {
        let part = part(of: place, &random)
        let at = place.name + part
        // A family's dispute or need touches a few households; works, land and estates many.
        let many =
            matter.kind == .development || place.topics.infrastructure.contains(matter.topic)
            || SeedNames.collectiveWords.contains { Self.holds(matter.topic, $0) }
        let households = many ? random.int(in: 6...60) : random.int(in: 2...7)
        let topic = matter.topic
        switch matter.kind {
        case .dispute where Self.ends(topic, with: "纠纷"):
            switch random.int(in: 0...3) {
            case 0, 3:
                let first = SeedNames.surnames.draw(&random)
                var second = SeedNames.surnames.draw(&random)
                while second == first { second = SeedNames.surnames.draw(&random) }
                return random.int(in: 0...1) == 0
                    ? "\(at)\(first)、\(second)两户因\(topic)多次发生争执，经\(place.committee)调解未果，矛盾有激化苗头"
                    : "\(at)\(first)姓与\(second)姓\(place.kind == .rural ? "村民" : "居民")因\(topic)产生矛盾"
            case 1: return "\(at)一起\(topic)涉及\(households)户群众，当事人情绪较为激动"
            default: return "\(place.name)\(topic)已持续\(random.int(in: 2...18))个月，双方各执一词，多次到\(place.committee)反映"
            }
        case .dispute, .problem:
            let problem = Self.asProblem(topic)
            switch random.int(in: 0...5) {
            case 0: return "\(at)存在\(problem)，涉及\(households)户群众，群众意见较大"
            case 1: return "\(place.name)\(problem)反映多次仍未解决，当事人情绪较大"
            case 2: return "\(at)\(problem)近\(random.int(in: 2...12))个月来反复出现"
            case 3: return "\(at)\(problem)长期未得到解决，影响\(households)户群众生活"
            case 4: return "\(at)\(households)户群众反映\(problem)"
            default: return "\(place.name)\(problem)群众反映强烈，\(place.committee)多次协调未果"
            }
        case .deed:
            let need = Self.need(topic)
            guard SeedNames.householdDeeds.contains(topic) else {
                let among = matter.whom.map { "，涉及\($0)等困难群众" } ?? ""
                return random.int(in: 0...1) == 0
                    ? at + need + among : "\(at)\(households)户群众反映\(need)\(among)"
            }
            let whom = matter.whom ?? random.pick(["群众", place.kind == .rural ? "村民" : "居民"])
            switch random.int(in: 0...2) {
            case 0: return "\(at)一户\(whom)\(need)，本人无力解决"
            case 1: return at + whom + need
            default: return "\(place.name)一户\(whom)\(need)，家中无人帮忙"
            }
        case .development:
            let obstacle = random.pick(["资金缺口", "用地协调困难", "技术力量不足", "部分群众有顾虑", "相关手续办理不畅", "用工不足"])
            let work = place.name + Self.plain(topic)
            switch random.int(in: 0...2) {
            case 0: return "\(work)推进中遇到\(obstacle)，进度滞后"
            case 1: return "\(work)因\(obstacle)进展缓慢"
            default: return "\(work)遇到\(obstacle)，影响按期完成"
            }
        }
    }

    // MARK: Units

    /// Whom a matter goes to: the office or organ its topic calls for, in its town.
    mutating func unit(for topic: String, at place: Place, _ random: inout SplitMix64) -> String {
        let units = unitsByTopic[topic] ?? SeedNames.caseUnits.first { Self.holds(topic, $0.word) }?.units ?? []
        unitsByTopic[topic] = units
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
