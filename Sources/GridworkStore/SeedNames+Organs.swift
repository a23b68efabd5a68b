extension SeedNames {
    /// The 53 district organs whose party branches paired with rural party organisations (G2), with
    /// a rough relative size of their staff: the public-security sub-bureau, the court, urban
    /// management, the tax bureaus, education and health are the big organs of a district; the
    /// archives, the mass organisations and the small offices have a handful of cadres.
    static let organSizes: [(name: String, size: Double)] = [
        ("区委办公室", 2.0), ("区政府办公室", 2.2), ("区委组织部", 1.6), ("区委宣传部", 1.2), ("区委统战部", 0.8),
        ("区委政法委", 1.0), ("区纪委", 1.6), ("区发展和改革局", 1.5), ("区财政局", 2.5), ("区教育局", 3.0),
        ("区科技局", 0.8), ("区工业和信息化局", 1.2), ("区民政局", 1.8), ("区司法局", 1.6), ("区人力资源和社会保障局", 2.2),
        ("区国土资源分局", 2.0), ("区住房和城乡建设局", 2.2), ("区交通运输局", 1.8), ("区水务局", 1.6), ("区农牧局", 2.2),
        ("区林业局", 1.4), ("区商务局", 0.9), ("区文体广电局", 1.2), ("区卫生和计划生育局", 2.5), ("区审计局", 0.9),
        ("区环境保护局", 1.2), ("区统计局", 0.7), ("区安全生产监督管理局", 1.1), ("区食品药品监督管理局", 1.3),
        ("区工商分局", 2.0), ("区国税局", 2.6), ("区地税局", 2.6), ("区城市管理局", 3.2), ("区档案局", 0.45),
        ("区扶贫办", 0.7), ("区移民局", 0.6), ("区信访局", 0.8), ("区总工会", 0.7), ("团区委", 0.5), ("区妇联", 0.5),
        ("区科协", 0.45), ("区残联", 0.6), ("区人大常委会办公室", 1.0), ("区政协办公室", 0.9), ("区人民法院", 3.2),
        ("区人民检察院", 2.6), ("区公安分局", 7.0), ("区房屋管理局", 1.0), ("区规划分局", 1.0), ("区旅游局", 0.6),
        ("区投资促进局", 0.8), ("区供销社", 0.6), ("区直机关工委", 0.5),
    ]
    static var organs: [String] { organSizes.map(\.name) }

    /// The four leading bodies of the district and how many of the 33 district leaders (G1) each
    /// has: the standing committee of the district party committee, the people's congress, the
    /// government and the political consultative conference.
    static let leaderBodies: [(unit: String, count: Int)] = [
        ("区委", 11), ("区人大常委会", 7), ("区政府", 8), ("区政协", 7),
    ]

    /// Posts of the village cadres who became project secretaries, and how often each occurs.
    static let secretaryPosts: [(suffix: String, weight: Int)] = [
        ("党支部书记", 9), ("党总支书记", 3), ("委会主任", 8),
    ]
}
