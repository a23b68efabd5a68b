/// Word lists the seed draws Chinese personal names from. Synthetic records are marked `synthetic`.
enum SeedNames {
    /// Surnames of northern Guizhou with their approximate share of the population, in per ten
    /// thousand. The ranking of the head follows published Guizhou household-registration surname
    /// rankings as they show in Zunyi (王 李 张 刘 陈 杨 lead; 罗 黄 周 吴 are more common than in the
    /// national ranking, and 敖, 令狐, 犹, 母, 帅 are characteristic of the Zunyi area); the shares are
    /// rounded estimates shaped on those rankings, and the tail thins out like the national one.
    static let surnameShares: [(String, Int)] = [
        ("王", 620), ("李", 600), ("张", 520), ("刘", 460), ("陈", 420), ("杨", 410), ("罗", 270), ("黄", 260),
        ("周", 240), ("吴", 230), ("赵", 200), ("何", 180), ("徐", 150), ("胡", 150), ("冯", 130), ("袁", 130),
        ("邓", 120), ("田", 120), ("曾", 110), ("谢", 110), ("唐", 100), ("韩", 90), ("程", 90), ("蔡", 80),
        ("彭", 80), ("杜", 80), ("付", 80), ("任", 75), ("钟", 70), ("宋", 70), ("郑", 70), ("梁", 65),
        ("朱", 65), ("孙", 60), ("马", 60), ("龙", 60), ("高", 55), ("石", 55), ("林", 50), ("郭", 50),
        ("敖", 50), ("蒋", 50), ("余", 50), ("许", 45), ("熊", 45), ("邹", 45), ("曹", 40), ("潘", 40),
        ("姚", 40), ("谭", 40), ("廖", 40), ("肖", 40), ("卢", 35), ("江", 35), ("汪", 35), ("雷", 35),
        ("代", 35), ("向", 30), ("金", 30), ("陆", 30), ("秦", 30), ("令狐", 30), ("母", 30), ("犹", 25),
        ("冉", 25), ("文", 25), ("夏", 25), ("聂", 25), ("牟", 25), ("万", 25), ("骆", 20), ("穆", 20),
        ("申", 20), ("娄", 20), ("颜", 20), ("范", 20), ("饶", 20), ("简", 20), ("贺", 20), ("邱", 20),
        ("毛", 20), ("侯", 20), ("左", 15), ("喻", 15), ("晏", 15), ("尹", 15), ("戴", 15), ("方", 15),
        ("苏", 15), ("蒲", 15), ("黎", 15), ("韦", 15), ("帅", 12), ("鄢", 12), ("班", 12), ("湛", 10),
        ("赖", 10), ("龚", 10), ("孔", 10), ("崔", 10), ("魏", 10), ("丁", 10), ("严", 10), ("傅", 10),
        ("叶", 8), ("薛", 8), ("童", 8), ("岳", 8), ("钱", 6), ("邵", 6), ("孟", 6), ("易", 6), ("姜", 6),
        ("沈", 5), ("吕", 5), ("白", 5), ("康", 5), ("武", 5), ("常", 5), ("庞", 5), ("殷", 4), ("祝", 4),
        ("甘", 4), ("佘", 4), ("商", 4), ("明", 3), ("幸", 3), ("洪", 3), ("阮", 3), ("上官", 2),
    ]

    /// Characters of men's given names of the generations born 1940–1995 in rural and small-town
    /// Guizhou. The first group are common generation characters (字辈) that open two-character
    /// names; the second close them or stand alone.
    static let maleFirst = characters("正先开必发世仕德永光明朝国家兴安廷应登祖学维天大长文昌泽绍良成元宗启嗣忠孝传显达廷海洪远志建红卫东春庆荣富贵")
    static let maleSecond = characters(
        "康禄玖强华军平勇刚林伟斌明亮杰波涛辉峰松江川山林贵福财富顺旺才武忠义仁礼智信安宁泰昌盛光超鹏飞龙虎彪豪坤"
            + "银金锋铭兵权祥瑞云雄伦均奎全贤良友清恒宏毅胜利前进渊鑫科睿航宇浩然凯恩泉宽敏朋炳培钦"
            + "树森彬柱根桥海江河勋禹尧舜孝模楷隆灿耀晖煜烽铁钢锐锦镇仲伯叔季坚定安邦乾"
            + "骏驰腾俊彦哲翔宾杨帆雷霖浪涌沛润滨湖松柏桦栋梁岗峻岭崇嵩屹磊垚城堂奇")
    /// Characters of women's given names of the same generations.
    static let femaleFirst = characters("秀玉桂春小丽美晓金银翠红兰凤永明文雪海静琼德素淑月仙家碧彩爱学朝荷冬秋佳雅梦思")
    static let femaleSecond = characters(
        "英兰芳珍华梅琴莲菊芬娟萍霞艳丽燕敏静玲琳洁婷倩蓉群仙秀凤云芝香娥妹碧琼莉丹红慧瑶雯婕颖佳蕾芸惠"
            + "菁茜媛娇桃琪璐莎薇露翠巧萌姣姗蓓嫦珊琦妍玫霜钰馨瑜艾湘黔渝"
            + "娅婉姝妙嫣媚娴婧彤晶莹璇萱蕊菲芹苹茹荔蔓蓉黛岚")
    /// Names the report gives to real people: never given to anyone the seed invents.
    static let reserved: Set<String> = ["周必康", "刘开发", "卢正禄", "黄先玖", "程发强"]

    /// The distinct characters of `text`, in order.
    static func characters(_ text: String) -> [String] {
        var seen = Set<Character>()
        return text.filter { seen.insert($0).inserted }.map(String.init)
    }

    /// Surnames drawn by their share in the region.
    static let surnames = WeightedTable(surnameShares)

    /// A personal name: a surname by its share, a man's or a woman's given name, one character in
    /// about one name in six (as among people born 1940–1995), never a name the report gives.
    static func person(_ random: inout SplitMix64, female: Bool? = nil) -> String {
        while true {
            let isFemale = female ?? (random.int(in: 0...99) < 45)
            let first = isFemale ? femaleFirst : maleFirst
            let second = isFemale ? femaleSecond : maleSecond
            let given =
                random.int(in: 0...5) == 0
                ? random.pick(second)
                : random.pick(first) + random.pick(second)
            let name = surnames.draw(&random) + given
            // A repeated character ("秀秀") or a name the report gives is redrawn.
            if given.count == 2 && given.first == given.last { continue }
            if reserved.contains(name) { continue }
            return name
        }
    }
}
