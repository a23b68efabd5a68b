extension SeedNames {
    /// What a household lacked, for each small work a cadre did (`deeds` of the topics): the
    /// request a good deed answered, as the case that carried it was reported.
    static let deedNeeds: [String: String] = [
        "送去化肥和种子": "春耕缺少化肥和种子", "帮助修缮串户路": "串户路破损，雨天出行困难",
        "联系农技人员上门指导": "种养遇到技术难题，无人指导", "帮助安装太阳能路灯": "寨子里夜间没有照明",
        "帮助联系外出务工岗位": "家中劳力想外出务工却没有门路", "帮助代办新农合报销": "新农合报销手续不会办理",
        "帮助抢收抢种": "家中缺少劳力，农活误了季节", "送医送药上门": "老人卧病在家，行动不便无法就医",
        "帮助修缮漏雨房屋": "住房年久失修，屋顶漏雨", "帮助疏通灌溉沟渠": "灌溉沟渠堵塞，放水困难",
        "帮助疏通楼道下水管": "楼道下水管堵塞，污水外溢", "帮助更换楼道灯": "楼道灯损坏，夜间上下楼不便",
        "联系医院上门体检": "老人行动不便，无法到医院体检", "为老年活动室添置桌椅": "老年活动室缺少桌椅",
        "帮助办理低保复核手续": "低保复核手续不清楚", "帮助联系就业岗位": "家中有人失业，急需就业岗位",
        "帮助清理楼道堆放杂物": "楼道堆放杂物，存在消防隐患", "为困难学生送去学习用品": "孩子上学缺少学习用品",
        "帮助申请临时救助": "家中突遭变故，生活困难", "帮助疏通排水沟": "房前排水沟堵塞，雨天积水",
        "协调解决小区改造资金": "小区改造资金存在缺口", "协调落实帮扶资金": "帮扶资金迟迟没有落实",
        "协调解决居民用水": "部分居民用水不正常", "协调解决背街小巷硬化资金": "背街小巷硬化缺少资金",
        "协调解决项目用地": "项目用地一直没有落实", "协调解决群众用水": "部分群众用水困难",
        "协调解决道路建设资金": "道路建设资金不足",
    ]

    /// Deeds for one household; the others served a group, a building or a whole place.
    static let householdDeeds: Set<String> = [
        "送去化肥和种子", "联系农技人员上门指导", "帮助联系外出务工岗位", "帮助代办新农合报销", "帮助抢收抢种", "送医送药上门",
        "帮助修缮漏雨房屋", "联系医院上门体检", "帮助办理低保复核手续", "帮助联系就业岗位", "为困难学生送去学习用品",
        "帮助申请临时救助",
    ]

    /// Words of works and livelihood problems that may not wait: water, housing, relief.
    static let pressingWords = ["隐患", "饮水", "供水", "用水", "下水", "排水", "危房", "漏", "救助", "就医"]

    /// Words of disputes and needs that concern many households at once.
    static let collectiveWords = ["征地", "拆迁", "物业", "山林", "修路", "占地", "劳资", "信访", "安全", "灾害", "噪音", "占道"]

    /// Deeds that cannot wait a week: the case that asked for them was urgent.
    static let urgentDeeds: Set<String> = [
        "送医送药上门", "帮助修缮漏雨房屋", "帮助申请临时救助", "帮助疏通楼道下水管", "帮助疏通排水沟",
    ]

    /// Whom a case is dispatched to, by a word of its topic; the first entry whose word the topic
    /// holds decides. A `town` unit is the town's (or sub-district's) office of that name, a
    /// `village` one the committee of the grid's village or community; the district's organs are
    /// named as the seed's cadres name them.
    static let caseUnits: [(word: String, units: [CaseUnit])] = [
        ("劳资", [.organ("区人力资源和社会保障局"), .town("司法所")]), ("学生", [.organ("区教育局")]),
        ("就学", [.organ("区教育局"), .organ("区民政局")]), ("学习用品", [.organ("团区委"), .village]),
        ("城中村", [.town("征地拆迁办"), .organ("区住房和城乡建设局")]), ("小城镇", [.town("村镇建设服务中心")]),
        ("机耕道", [.town("农业服务中心"), .village]), ("硬化", [.town("村镇建设服务中心"), .organ("区交通运输局")]),
        ("征地", [.town("征地拆迁办"), .organ("区国土资源分局")]), ("拆迁", [.town("征地拆迁办"), .organ("区房屋管理局")]),
        ("山林", [.town("林业站"), .organ("区林业局")]), ("林地", [.town("林业站"), .organ("区林业局")]),
        ("宅基地", [.town("国土所"), .town("司法所")]), ("土地承包", [.town("司法所"), .town("国土所"), .village]),
        ("物业", [.organ("区房屋管理局"), .town("综治办")]), ("占道", [.organ("区城市管理局")]),
        ("违章", [.organ("区城市管理局"), .organ("区规划分局")]), ("信访", [.organ("区信访局"), .town("综治办")]),
        ("安全生产", [.organ("区安全生产监督管理局"), .town("安监站")]), ("煤矿", [.organ("区安全生产监督管理局")]),
        ("地质灾害", [.organ("区国土资源分局"), .town("国土所")]), ("纠纷", [.town("司法所"), .town("综治办"), .village]),
        ("噪音", [.town("综治办"), .village]), ("诉求", [.town("综治办"), .town("司法所")]),
        ("矛盾", [.town("综治办"), .town("司法所")]), ("信号", [.organ("区工业和信息化局")]),
        ("背街小巷", [.organ("区城市管理局"), .organ("区住房和城乡建设局")]),
        ("老旧小区", [.organ("区住房和城乡建设局")]), ("棚户区", [.organ("区住房和城乡建设局")]),
        ("楼道", [.village, .organ("区住房和城乡建设局")]), ("下水", [.organ("区住房和城乡建设局"), .village]),
        ("燃气", [.organ("区住房和城乡建设局")]), ("公厕", [.organ("区城市管理局")]), ("垃圾", [.organ("区城市管理局")]),
        ("停车", [.organ("区城市管理局")]), ("路灯", [.town("村镇建设服务中心"), .village]),
        ("电网", [.town("村镇建设服务中心")]), ("危房", [.organ("区住房和城乡建设局"), .town("村镇建设服务中心")]),
        ("漏雨", [.village, .town("村镇建设服务中心")]), ("廉租房", [.organ("区房屋管理局")]),
        ("公租房", [.organ("区房屋管理局")]), ("公路", [.organ("区交通运输局"), .town("村镇建设服务中心")]),
        ("路", [.town("村镇建设服务中心"), .organ("区交通运输局"), .village]), ("桥", [.organ("区交通运输局")]),
        ("客运", [.organ("区交通运输局")]), ("人饮", [.organ("区水务局"), .town("水管站")]),
        ("饮水", [.organ("区水务局"), .town("水管站")]), ("用水", [.organ("区水务局"), .village]),
        ("供水", [.organ("区水务局")]), ("山塘", [.organ("区水务局"), .town("水管站")]),
        ("渠", [.town("水管站"), .village]), ("堰塘", [.organ("区水务局"), .town("水管站")]),
        ("排污", [.organ("区住房和城乡建设局"), .organ("区环境保护局")]), ("排水", [.village, .town("村镇建设服务中心")]),
        ("残疾", [.organ("区残联"), .organ("区民政局")]), ("低保", [.organ("区民政局"), .town("社会事务办")]),
        ("救助", [.organ("区民政局"), .town("社会事务办")]), ("五保", [.organ("区民政局"), .town("社会事务办")]),
        ("高龄", [.organ("区民政局"), .town("社会事务办")]), ("养老服务", [.organ("区民政局")]),
        ("养老保险", [.organ("区人力资源和社会保障局"), .town("劳动保障所")]),
        ("城镇居民医保", [.organ("区人力资源和社会保障局")]), ("新农合", [.organ("区卫生和计划生育局"), .town("卫生院")]),
        ("医保", [.organ("区卫生和计划生育局"), .organ("区人力资源和社会保障局")]),
        ("就医", [.organ("区卫生和计划生育局"), .town("卫生院")]), ("体检", [.town("卫生院"), .organ("区卫生和计划生育局")]),
        ("送医", [.town("卫生院")]), ("计生", [.organ("区卫生和计划生育局")]),
        ("就业", [.organ("区人力资源和社会保障局"), .town("劳动保障所")]), ("务工", [.town("劳动保障所")]),
        ("社保", [.organ("区人力资源和社会保障局")]), ("贷款", [.organ("区人力资源和社会保障局")]),
        ("留守儿童", [.organ("区妇联"), .organ("团区委"), .organ("区教育局")]), ("老人", [.village, .town("社会事务办")]),
        ("林", [.organ("区林业局"), .town("林业站")]),
        ("旅游", [.organ("区旅游局")]), ("农家乐", [.organ("区旅游局")]), ("避暑", [.organ("区旅游局")]),
        ("园区", [.organ("区投资促进局"), .organ("区发展和改革局")]), ("招商", [.organ("区投资促进局")]),
        ("项目", [.organ("区发展和改革局"), .town("党政办")]), ("市场", [.organ("区工商分局"), .organ("区商务局")]),
        ("个体", [.organ("区工商分局")]), ("经营", [.organ("区工商分局")]), ("建材", [.organ("区工业和信息化局")]),
        ("创建", [.town("党政办"), .village]), ("流动人口", [.town("综治办")]),
        ("种", [.town("农业服务中心"), .organ("区农牧局")]), ("养殖", [.town("农业服务中心"), .organ("区农牧局")]),
        ("生猪", [.organ("区农牧局")]), ("肉牛", [.organ("区农牧局")]), ("鹌鹑", [.organ("区农牧局")]),
        ("化肥", [.town("农业服务中心"), .organ("区供销社")]), ("农技", [.town("农业服务中心")]),
        ("土地流转", [.town("农业服务中心")]), ("合作社", [.town("农业服务中心"), .organ("区农牧局")]),
        ("集体经济", [.town("农业服务中心"), .organ("区委组织部")]), ("春耕", [.town("农业服务中心")]),
        ("农活", [.village]), ("食用菌", [.town("农业服务中心")]), ("天麻", [.town("农业服务中心")]),
        ("方竹笋", [.organ("区林业局")]), ("蔬菜", [.town("农业服务中心")]),
        ("茶园", [.town("农业服务中心"), .organ("区农牧局")]), ("杨梅", [.town("农业服务中心"), .organ("区林业局")]),
        ("资金", [.organ("区财政局"), .town("党政办")]),
    ]

    /// A sub-district has no farming or water offices: only these of a town's.
    static let streetOffices: Set<String> = ["综治办", "司法所", "社会事务办", "党政办", "劳动保障所", "征地拆迁办"]

    /// Who a case is sent to first, when it went to the wrong one and came back.
    static let firstGuessUnits: [CaseUnit] = [.town("党政办"), .town("综治办"), .village, .town("社会事务办")]

    /// Why a reported case was sent back for more before it was taken on.
    static let townReturnNotes = [
        "上报信息不全，请补充当事人联系方式和现场情况", "诉求事项表述不清，请核实后重新上报", "请补充涉及户数和现场照片",
        "事发地点不明确，请网格员核实后补报",
    ]
    /// Why an assignee refused a case.
    static let assigneeReturnNotes = [
        "该事项不属本单位职责范围，请重新派遣", "经核实，该事项应由属地办理，退回重新派遣", "事项涉及其他部门职责，建议改派",
    ]
    /// Why more time was asked for.
    static let extensionNotes = [
        "涉及资金协调，需报区级审批，申请延期", "需待天气好转后施工，申请延期", "当事人外出务工，需待其返乡后调处，申请延期",
        "涉及多户群众，需逐户做工作，申请延期", "需请专业人员现场鉴定，申请延期", "需协调多个部门会商，申请延期",
    ]
    /// Why a check failed and the work went back (返工).
    static let reworkNotes = [
        "回访中群众反映问题未彻底解决，退回重新办理", "现场核查整改不到位，要求返工", "当事人对处理结果不满意，要求重新办理",
    ]
    /// What a passed check found; nil says nothing more.
    static let checkNotes: [String?] = [nil, nil, "经回访，群众满意", "现场核查，已整改到位", "电话回访，当事人认可处理结果"]
    /// A person chasing a case (催办), not the clock.
    static let remindNotes = ["群众再次询问办理进度，请抓紧办理", "请加快办理进度，按期反馈", "网格员跟踪催办，请尽快落实"]
    /// The district taking a case under supervision (督办).
    static let superviseNotes = ["区委督查室列入督办事项", "区信访局挂牌督办", "列入教育实践活动整改督办清单"]
    /// What the assignee handed in.
    static let submitNotes: [String?] = [nil, nil, "已办理完毕，请核查", "已完成整改，附现场照片", "已办结，当事人签字确认"]
    /// How a case was closed with an explanation, beyond repair, or voided.
    static let explainedNotes = [
        "已向当事人解释相关政策，当事人表示理解", "经核实，诉求不符合政策规定，已做好解释工作", "已当面答复，当事人无异议",
    ]
    static let unresolvableNotes = [
        "属历史遗留问题，暂不具备解决条件，已做好稳控工作", "涉及规划调整，近期无法解决，已向群众说明",
        "所需资金较大，已纳入明年计划，暂作办结",
    ]
    static let voidNotes = ["重复上报，已并入同一事项办理", "当事人撤回诉求", "误报，经核实不存在该问题"]
}

/// Whom a seeded case may be dispatched to.
enum CaseUnit {
    /// A district organ, by the seed's name for it.
    case organ(String)
    /// An office of the case's town or sub-district, by the office's name.
    case town(String)
    /// The committee of the case's village or community.
    case village
}
