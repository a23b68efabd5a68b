extension SeedNames {
    /// The villages (村), residences (居) and communities (社区) of each town and sub-district before
    /// the 2016 boundary change, beside the 14 the report names (`named.json`): 95 in all.
    ///
    /// Where a name comes from: the 2011 administrative-division entries of 董公寺 (北关居, 建国, 沿红,
    /// 割麻, 烂田 and neighbouring 金星, 田沟), 泗渡 (8 村 1 居: 泗渡居, 观坝, 布政, 金田, 幸福, 双仙, 上坝),
    /// 高桥 (11 村(社区), 坪山 and 鱼芽 among them) and 大连路 (航天社区, placed there in 2006); a
    /// 2018 list of the district's villages and communities for 高坪 (双江居, 金塘, 大桥, 鸣庄, 双狮,
    /// 清溪), 团泽, 板桥 (长田, 大沟, 娄山关, 柏杨, 中寺), 洗马路, 上海路 and 大连路; the 上海路 neighbours
    /// named in the 大连路 entry (澳门路, 北新, 乌江) and the 航天社区 entry (香港路, 茅草东, 贵阳路,
    /// 成都路, 医新). 南京路社区 is left out: the name is Shanghai's before it is Huichuan's. The `plausible` names could not be established and are ordinary northern
    /// Guizhou rural names chosen to clash with no town, sub-district, village or famous place of
    /// the district or of Zunyi.
    static let placeNames: [(town: String, attested: String, plausible: String)] = [
        ("town-donggongsi", "北关居 建国村 沿红村 割麻村 烂田村 金星村 田沟村", "杨柳湾村 岩门村 石龙村 黄桷湾村"),
        ("town-gaoping", "双江居 金塘村 大桥村 鸣庄村 双狮村 清溪村", "水井湾村 桃园村 坪上村 杉树村 岩脚村"),
        ("town-sidu", "泗渡居 观坝村 布政村 金田村 幸福村 双仙村 上坝村", ""),
        ("town-tuanze", "群兴村 三联村 和平村 高台村 木杨村 大坎村", ""),
        ("town-banqiao", "长田村 大沟村 娄山关村 柏杨村 中寺村", "大湾村 箐口村 木瓜园村 石门坎村 竹林湾村 花果村 水田坝村 杉木林村 核桃坪村"),
        ("town-gaoqiao", "高桥社区 十字村 新桥村 干田村 鱼芽村 黄泥村 泥桥村 兴洲坝村 河溪村 高石村 坪山村", ""),
        ("town-shanghailu", "医新社区 长征社区 澳门路社区 北新社区 乌江社区 航宇社区 茅草西社区 香港路社区", ""),
        ("town-ximalu", "洗马社区 添阳社区 汇川社区 高泥社区 新舟社区 仁和苑社区", ""),
        ("town-dalianlu", "航天社区 长沙路社区 长新社区 航星社区 贵阳路社区 成都路社区 茅草东社区", ""),
    ]

    /// The places of `placeNames` with their kind: a sub-district's are communities; a town's are
    /// villages (村) and residences (居, or a town seat's 社区 residents' committee).
    static func isStreet(_ town: String) -> Bool {
        ["town-shanghailu", "town-ximalu", "town-dalianlu"].contains(town)
    }

    static let places: [(town: String, places: [(name: String, kind: String)])] = placeNames.map { entry in
        let names = (entry.attested + " " + entry.plausible).split(separator: " ").map(String.init)
        return (
            entry.town,
            names.map { name in
                let kind =
                    !name.hasSuffix("村") ? (isStreet(entry.town) ? "community" : "residence") : "village"
                return (name, kind)
            }
        )
    }
}
