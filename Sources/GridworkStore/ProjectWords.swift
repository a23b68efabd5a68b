/// Word lists the seed names projects, enterprises and party branches from: the crops, livestock
/// and trades of Zunyi's countryside, and the auspicious words its companies and cooperatives
/// are named with.
enum ProjectWords {
    static let fruits = ["猕猴桃", "葡萄", "精品李", "黄桃", "蓝莓", "樱桃", "金秋梨", "草莓", "核桃", "脆红李"]
    static let vegetables = ["有机蔬菜", "高山蔬菜", "辣椒", "食用菌", "莲藕", "生姜"]
    static let herbs = ["金银花", "玄参", "天麻", "杜仲"]
    static let livestock = ["生猪", "肉牛", "黑山羊", "生态土鸡", "蛋鸡", "肉兔", "冷水鱼", "中蜂"]
    static let processed = ["辣椒", "茶叶", "粮油", "豆制品", "腊肉", "竹木", "米粉"]
    /// Words Guizhou companies and cooperatives take as names.
    static let brands = [
        "兴农", "富民", "惠民", "鑫源", "盛丰", "金鼎", "宏达", "永安", "和顺", "众鑫", "聚富", "民富", "黔兴", "绿源",
        "康达", "润丰", "绿野", "丰源", "金穗", "福农", "鸿运", "青山", "春晖", "利民", "恒昌", "长丰", "瑞丰", "天润",
    ]
    /// Names of villager groups (村民组), after the hamlets they are.
    static let hamlets = [
        "大坪", "新寨", "田坝", "岩脚", "坪上", "龙井", "大湾", "石板", "杨柳湾", "上寨", "下寨", "中寨", "沙坝", "桃园",
        "水井湾", "老屋基", "茶园", "松林", "枫香", "青杠林", "大土", "核桃坪", "白岩", "庙坝", "河坎", "高坎", "竹林",
        "坳上", "堰塘", "马鞍",
    ]
}
