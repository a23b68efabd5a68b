/// Word lists the seed draws Chinese names from. Synthetic records are marked `synthetic`.
enum SeedNames {
    static let surnames = Array(
        "王李张刘陈杨黄赵周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
    ).map(String.init)
    static let givenCharacters = Array(
        "明华国建军平志红伟勇强文英芳丽敏静秀兰玉萍刚德成林海波涛洪祥福荣贵发财富顺兴旺才学武忠义仁礼智信安康宁泰昌盛光辉永春秋"
    ).map(String.init)
    static let villageFirst = Array("青龙凤石桃杨柳松竹梅和安兴民红金丰乐光朝阳水河林田茶花云长高团沙马鱼桂").map(String.init)
    static let villageSecond = Array("岩坪坝沟山桥湾溪田口台园庄塘坡寨堡冲坳垭井关场").map(String.init)
    static let communities = [
        "长征", "珠海路", "北京路", "人民路", "南门", "沙河", "宁波路", "天津路", "深圳路", "厦门路", "外高桥",
        "香港路", "澳门路", "温州路", "上海路", "苏州路", "杭州路", "南京路", "洗马", "大连路",
    ]
    static let organs = [
        "区委办公室", "区政府办公室", "区委组织部", "区委宣传部", "区委统战部", "区委政法委", "区纪委", "区发展和改革局",
        "区财政局", "区教育局", "区科技局", "区工业和信息化局", "区民政局", "区司法局", "区人力资源和社会保障局", "区国土资源分局",
        "区住房和城乡建设局", "区交通运输局", "区水务局", "区农牧局", "区林业局", "区商务局", "区文体广电局", "区卫生和计划生育局",
        "区审计局", "区环境保护局", "区统计局", "区安全生产监督管理局", "区食品药品监督管理局", "区工商分局", "区国税局", "区地税局",
        "区城市管理局", "区档案局", "区扶贫办", "区移民局", "区信访局", "区总工会", "团区委", "区妇联", "区科协", "区残联",
        "区人大常委会办公室", "区政协办公室", "区人民法院", "区人民检察院", "区公安分局", "区房屋管理局", "区规划分局", "区旅游局",
        "区投资促进局", "区供销社", "区直机关工委",
    ]
    static let leaderUnits = [
        "区委", "区人大常委会", "区政府", "区政协", "区纪委", "区委组织部", "区委宣传部", "区委政法委", "区人武部",
    ]
    static let needs = ["道路", "饮水", "住房", "医疗", "就学", "产业", "就业", "低保", "养老", "用电", "通讯", "农田水利"]

    /// A two- or three-character personal name.
    static func person(_ random: inout SplitMix64) -> String {
        let surname = random.pick(surnames)
        let first = random.pick(givenCharacters)
        return random.int(in: 0...9) < 3 ? surname + first : surname + first + random.pick(givenCharacters)
    }
}
