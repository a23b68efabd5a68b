extension SeedNames {
    /// What kind of place a grid covers: its topics differ (no farmland in a city community, no
    /// property management in a mountain village).
    enum PlaceKind {
        /// A community of a sub-district.
        case city
        /// A residence (居) or community at a town's seat.
        case townSeat
        /// A village.
        case rural
        /// A town-level grid: the whole town or sub-district.
        case townLevel
    }

    /// The matters grid work deals with, by strand, for one kind of place. The strands follow the
    /// report: infrastructure (交通、水利…), livelihood (医疗、卫生、社会救助…), development, and
    /// disputes and petitions (矛盾纠纷、信访).
    struct Topics {
        let infrastructure: [String]
        let livelihood: [String]
        let development: [String]
        let disputes: [String]
        /// Small works a cadre does for people (好事实事).
        let deeds: [String]
        /// Pools drawn from on every record, joined once.
        let problems: [String]
        let works: [String]
        let needs: [String]

        init(
            infrastructure: [String], livelihood: [String], development: [String], disputes: [String],
            deeds: [String]
        ) {
            self.infrastructure = infrastructure
            self.livelihood = livelihood
            self.development = development
            self.disputes = disputes
            self.deeds = deeds
            problems = disputes + infrastructure
            works = development + infrastructure
            needs = infrastructure + livelihood + development
        }
    }

    static let ruralTopics = Topics(
        infrastructure: [
            "通组公路硬化", "串户路修建", "人饮工程管网延伸", "山塘清淤整治", "灌溉水渠维修", "农村电网改造", "移动信号覆盖",
            "农村危房改造", "便民桥修缮", "机耕道修建", "堰塘防渗", "村寨路灯安装", "农村客运招呼站设置",
        ],
        livelihood: [
            "新农合参保报销", "农村低保评定", "临时救助申请", "留守儿童关爱", "空巢老人照料", "残疾人两项补贴",
            "学生上学路途安全", "村卫生室就医", "五保供养", "大病救助", "养老保险参保", "安全饮水",
        ],
        development: [
            "烤烟种植", "辣椒种植", "蔬菜基地建设", "生猪养殖", "肉牛养殖", "茶园管护", "经果林管护", "土地流转",
            "农民专业合作社组建", "务工返乡创业", "村级集体经济发展", "春耕生产",
        ],
        disputes: [
            "土地承包边界纠纷", "山林权属纠纷", "宅基地纠纷", "邻里用水纠纷", "赡养纠纷", "征地补偿诉求", "婚姻家庭纠纷",
            "修路占地补偿纠纷", "林地界址纠纷",
        ],
        deeds: [
            "送去化肥和种子", "帮助修缮串户路", "联系农技人员上门指导", "帮助安装太阳能路灯", "帮助联系外出务工岗位",
            "帮助代办新农合报销", "帮助抢收抢种", "送医送药上门", "帮助修缮漏雨房屋", "帮助疏通灌溉沟渠",
        ]
    )

    static let cityTopics = Topics(
        infrastructure: [
            "老旧小区改造", "背街小巷路面硬化", "楼道照明维修", "下水道疏通", "二次供水", "燃气管道入户", "小区路灯安装",
            "公厕改造", "停车位规划", "垃圾收集点设置",
        ],
        livelihood: [
            "城市低保复核", "廉租房申请", "公租房申请", "居家养老服务", "高龄补贴办理", "残疾人证办理", "城镇居民医保参保",
            "社区卫生服务站就医", "计生奖励扶助", "困难家庭子女就学",
        ],
        development: [
            "下岗职工再就业", "灵活就业社保补贴", "小额担保贷款", "社区就业培训", "个体工商户经营", "文明城市创建",
            "“四民社区·美丽城市”创建", "流动人口服务管理",
        ],
        disputes: [
            "小区物业管理纠纷", "邻里噪音扰民", "占道经营", "违章搭建", "拆迁安置遗留问题", "房屋漏水纠纷", "劳资纠纷",
            "物业费收缴纠纷",
        ],
        deeds: [
            "帮助疏通楼道下水管", "帮助更换楼道灯", "联系医院上门体检", "为老年活动室添置桌椅", "帮助办理低保复核手续",
            "帮助联系就业岗位", "帮助清理楼道堆放杂物", "为困难学生送去学习用品", "帮助申请临时救助",
        ]
    )

    static let townSeatTopics = Topics(
        infrastructure: [
            "集镇街道硬化", "集镇排污管网", "集镇路灯安装", "农贸市场改造", "人饮工程管网延伸", "农村危房改造",
            "移动信号覆盖", "小城镇垃圾清运",
        ],
        livelihood: [
            "低保评定", "临时救助申请", "新农合参保报销", "留守儿童关爱", "空巢老人照料", "残疾人两项补贴", "养老保险参保",
            "卫生院就医",
        ],
        development: [
            "集镇个体经营", "务工返乡创业", "小城镇建设", "农贸市场管理", "就业培训", "“四在农家·美丽乡村”创建",
        ],
        disputes: [
            "集镇占道经营", "宅基地纠纷", "邻里纠纷", "劳资纠纷", "征地补偿诉求", "房屋漏水纠纷", "赡养纠纷",
        ],
        deeds: [
            "帮助疏通排水沟", "送医送药上门", "帮助联系外出务工岗位", "帮助代办新农合报销", "帮助修缮漏雨房屋",
            "为困难学生送去学习用品",
        ]
    )

    static let streetLevelTopics = Topics(
        infrastructure: ["老旧小区改造推进", "背街小巷整治", "城市道路建设", "棚户区改造"],
        livelihood: ["社会救助政策落实", "城镇居民医保参保", "居家养老服务", "教育实践活动整改"],
        development: ["重点项目推进", "文明城市创建", "“四民社区·美丽城市”创建", "就业再就业"],
        disputes: ["信访积案化解", "拆迁安置矛盾", "安全生产隐患", "物业管理矛盾"],
        deeds: ["协调解决小区改造资金", "协调落实帮扶资金", "协调解决居民用水", "协调解决背街小巷硬化资金"]
    )

    static let townLevelTopics = Topics(
        infrastructure: ["“六大行动计划”项目推进", "通村公路建设", "人饮工程建设", "农村电网改造", "危房改造"],
        livelihood: ["社会救助政策落实", "新农合和医保参保", "留守儿童关爱", "教育实践活动整改"],
        development: ["重点项目推进", "招商引资项目落地", "村级集体经济发展", "小康创建", "产业结构调整"],
        disputes: ["信访积案化解", "征地拆迁矛盾", "安全生产隐患", "地质灾害隐患"],
        deeds: ["协调解决项目用地", "协调落实帮扶资金", "协调解决群众用水", "协调解决道路建设资金"]
    )

    /// Topics only some towns have, from what the district is known for there.
    static let townDevelopment: [String: [String]] = [
        "town-donggongsi": ["杨梅基地管护", "黄花梨种植", "城郊蔬菜基地建设"],
        "town-gaoping": ["工业园区建设征地", "园区企业招工", "葡萄种植"],
        "town-sidu": ["建材企业用工", "煤矿安全生产", "避暑度假接待"],
        "town-tuanze": ["鹌鹑养殖", "反季节蔬菜种植", "洪江河沿岸乡村旅游"],
        "town-banqiao": ["方竹笋采收", "天麻种植", "食用菌种植", "娄山关景区周边农家乐"],
        "town-gaoqiao": ["城中村改造", "征地拆迁安置", "失地农民就业"],
    ]

    /// The 六大行动计划 (小康路、小康水、小康房、小康讯、小康电、小康寨) the report names.
    static let programmes = ["小康路", "小康水", "小康房", "小康讯", "小康电", "小康寨"]

    /// Who was met, as a work log calls them, and how often each is met in the city (and at town
    /// seats) and in villages, where laid-off state workers are not met.
    static let counterparts: [(key: String, label: String, city: Int, rural: Int)] = [
        ("resident", "群众", 46, 42), ("needy", "困难群众", 20, 22), ("laid_off", "下岗职工", 13, 0),
        ("wealth_leader", "致富带头人", 5, 10), ("veteran", "复退军人", 6, 6), ("returned_migrant", "务工返乡人员", 3, 14),
        ("petitioner", "信访人员", 7, 5),
    ]

    /// The special cases (残、困、孤) cadres pair with.
    static let specialCases = [
        "残疾人家庭", "低保户", "孤寡老人", "重病患者家庭", "困难党员", "留守儿童家庭", "单亲困难家庭", "失独老人",
    ]

    /// Who helps settle a matter, by kind of place.
    static let ruralHandlers = ["镇司法所", "村调委会", "镇综治办", "镇国土所", "村两委", "镇派出所"]
    static let cityHandlers = ["街道综治办", "社区调委会", "街道司法所", "社区居委会", "辖区派出所"]
    /// Who a works or livelihood problem is taken to: those who run the place and its budget.
    static let ruralOwners = ["镇政府", "村两委", "镇分管领导", "镇相关站所"]
    static let cityOwners = ["街道办事处", "社区居委会", "区直相关部门"]
}
