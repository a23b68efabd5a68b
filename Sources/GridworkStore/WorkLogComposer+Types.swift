extension WorkLogComposer {

    /// 深入网格一人次: a meeting, a survey, a talk, a round of dispute checks, a look at a project.
    func visit(_ context: Context, _ random: inout SplitMix64) -> Entry {
        let topic = anyTopic(context, &random)
        let who = context.who
        switch context.activity {
        case "solve_problems":
            let dispute = random.pick(context.topics.disputes)
            let met = counterpart(context, &random)
            return switch random.int(in: 0...3) {
            case 0:
                Entry(
                    summary: "\(who)到\(context.grid)协助排查矛盾纠纷和不稳定因素，排查出\(dispute)"
                        + "\(random.int(in: 1...4))起，已登记并移交\(handler(context, &random))跟进")
            case 1:
                Entry(
                    summary: "\(who)会同\(context.place)\(context.committee)梳理信访积案，"
                        + "就\(dispute)开展案情分析，拟定化解方案")
            case 2:
                Entry(
                    summary: "\(who)在\(context.grid)与\(met.label)谈心谈话，听取其关于\(dispute)的诉求，做好稳控疏导",
                    counterpart: met.key)
            default:
                Entry(
                    summary: "\(who)到\(context.grid)现场查看\(topic)问题，与"
                        + "\(random.pick(context.isCity ? SeedNames.cityOwners : SeedNames.ruralOwners))商议解决办法")
            }
        case "improve_style":
            let special = random.pick(SeedNames.specialCases)
            let met = counterpart(context, &random)
            return switch random.int(in: 0...2) {
            case 0:
                Entry(summary: "\(who)到\(context.grid)对照挂帮计划逐户落实帮扶措施，重点了解\(topic)落实情况")
            case 1:
                Entry(
                    summary: "\(who)到\(context.grid)看望\(special)，了解\(topic)情况并登记帮扶需求",
                    counterpart: "needy")
            default:
                Entry(
                    summary: "\(who)在\(context.place)与\(met.label)拉家常、谈心谈话，听取对干部作风的意见",
                    counterpart: met.key)
            }
        case "serve_development":
            // The 六大行动计划 are the countryside's 小康 programmes; the city's is 四民社区·美丽城市.
            let programme =
                context.isCity ? "“四民社区·美丽城市”创建" : "“\(random.pick(SeedNames.programmes))”项目推进"
            return switch random.int(in: 0...2) {
            case 0:
                Entry(summary: "\(who)到\(context.place)参与\(programme)，协助解决\(topic)中的具体困难")
            case 1:
                Entry(summary: "\(who)深入\(context.grid)了解\(topic)进展，帮助理清发展思路")
            default:
                Entry(
                    summary: "\(who)到\(context.place)参与"
                        + (context.isCity ? "文明城市创建" : "“四在农家·美丽乡村”创建") + "，宣传\(topic)相关政策")
            }
        default:
            let met = counterpart(context, &random)
            let attendees = random.int(in: 8...35)
            return switch random.int(in: 0...5) {
            case 0:
                Entry(
                    summary:
                        "\(who)在\(context.place)召开群众座谈会，\(attendees)名\(context.kind == .rural ? "村民代表" : "居民代表")参加，"
                        + "重点了解\(topic)方面的需求")
            case 1:
                Entry(
                    summary:
                        "\(who)深入\(context.grid)入户走访\(random.int(in: 4...15))户，逐户了解\(random.pick(context.topics.livelihood))情况",
                    counterpart: met.key)
            case 2:
                Entry(summary: "\(who)到\(context.place)就\(topic)开展典型调研，形成调研记录")
            case 3:
                Entry(
                    summary: "\(who)在\(context.grid)发放社情民意调查问卷\(attendees * 2)份，群众反映较多的是\(topic)问题")
            case 4:
                Entry(
                    summary: "\(who)在\(context.grid)与\(met.label)开展干群谈心谈话，了解其\(topic)方面的想法",
                    counterpart: met.key)
            default:
                Entry(summary: "\(who)到\(context.grid)收集民情信息，更新网格内住户基本情况和\(topic)需求台账")
            }
        }
    }

    /// 走访群众一户.
    func householdVisit(_ context: Context, _ random: inout SplitMix64) -> Entry {
        let name = household(&random)
        let met = counterpart(context, &random)
        let topic = anyTopic(context, &random)
        let label = met.key == "resident" ? "群众" : met.label
        let summary: String
        if context.beforeFestival && random.int(in: 0...1) == 0 {
            summary = "春节前夕，\(context.who)走访\(context.place)\(label)\(name)家，送去慰问品，了解过节安排和\(topic)情况"
        } else {
            summary =
                switch random.int(in: 0...3) {
                case 0:
                    "\(context.who)走访\(context.grid)\(label)\(name)家，了解\(topic)方面的困难"
                case 1:
                    "\(context.who)到\(context.place)\(label)\(name)家中走访，询问\(topic)情况并记入民情日记"
                case 2:
                    "\(context.who)入户走访\(context.place)\(name)（\(met.label)），听取其对\(topic)的意见"
                default:
                    "\(context.who)走访\(context.grid)\(name)家，宣传\(topic)相关政策"
                }
        }
        return Entry(summary: summary, household: name, counterpart: met.key)
    }

    /// 意见建议一条.
    func suggestion(_ context: Context, _ random: inout SplitMix64) -> String {
        let topic = anyTopic(context, &random)
        let from =
            context.kind == .townLevel ? (context.isCity ? "社区干部" : "村(居)干部") : context.isCity ? "居民" : "村民"
        let ask = random.pick(["尽快推进", "加大", "简化", "帮助协调", "优先安排", "加强"])
        let follow = random.pick(["已反馈\(context.isCity ? "街道" : "镇")党委", "已录入民情台账", "已转交相关部门办理", "已纳入挂帮计划"])
        return switch random.int(in: 0...2) {
        case 0:
            "\(context.who)在\(context.grid)听取\(from)意见，建议\(ask)\(topic)，\(follow)"
        case 1:
            "\(context.place)\(from)向\(context.who)提出\(topic)方面的建议，\(follow)"
        default:
            "\(context.who)收集\(context.grid)\(from)关于\(topic)的意见建议，\(follow)"
        }
    }

    /// 帮扶资金: to a household, or to a small work of the grid.
    func funding(_ context: Context, amount: Int, toHousehold: Bool, _ random: inout SplitMix64) -> Entry {
        let organ = context.who
        if toHousehold {
            let name = household(&random)
            let special = random.pick(SeedNames.specialCases)
            let purpose =
                context.beforeFestival
                ? "春节慰问金"
                : random.pick(["大病救助", "子女就学", "危房修缮", "生活救助", "发展生产"]) + "帮扶资金"
            return Entry(
                summary: "\(organ)向\(context.place)\(special)\(name)发放\(purpose)\(amount)元",
                household: name)
        }
        let work = random.pick(context.topics.works)
        let summary =
            random.int(in: 0...1) == 0
            ? "\(organ)为\(context.grid)\(work)投入帮扶资金\(amount)元"
            : "\(organ)协调帮扶资金\(amount)元，用于\(context.place)\(work)"
        return Entry(summary: summary)
    }

    /// 结对帮扶困难群众一户.
    func pairing(_ context: Context, _ random: inout SplitMix64) -> Entry {
        let name = household(&random)
        let special = random.pick(SeedNames.specialCases)
        let need = random.pick(context.topics.livelihood)
        let summary: String =
            switch random.int(in: 0...2) {
            case 0: "\(context.who)与\(context.place)\(special)\(name)户结成帮扶对子，制定\(need)帮扶措施"
            case 1: "\(context.who)结对帮扶\(context.grid)\(special)\(name)户，重点帮助解决\(need)问题"
            default: "\(context.who)与\(context.place)\(name)户（\(special)）建立结对帮扶联系卡，每月上门一次"
            }
        return Entry(summary: summary, household: name)
    }

    /// 好事实事一件.
    func goodDeed(_ context: Context, _ random: inout SplitMix64) -> String {
        if context.activity == "serve_development" {
            let work = random.pick(context.topics.works)
            return "\(context.who)为\(context.place)协调解决\(work)中的具体困难"
        }
        let deed = random.pick(context.topics.deeds)
        let whom = random.pick(SeedNames.specialCases)
        return switch random.int(in: 0...1) {
        case 0:
            "\(context.who)为\(context.grid)\(whom)\(deed)"
        default:
            "\(context.who)在\(context.place)\(deed)，惠及\(random.int(in: 3...40))户群众"
        }
    }

    /// 化解突出问题一件.
    func resolved(_ context: Context, _ random: inout SplitMix64) -> String {
        if random.int(in: 0...2) == 0 {
            // A works or livelihood problem goes to whoever runs the place, not to the police or
            // the mediators.
            let problem = random.pick(context.topics.infrastructure + context.topics.livelihood)
            let owner = random.pick(context.isCity ? SeedNames.cityOwners : SeedNames.ruralOwners)
            return "\(context.who)协调\(owner)帮助\(context.place)解决\(problem)问题，群众表示满意"
        }
        let helper = handler(context, &random)
        let dispute = random.pick(context.topics.disputes)
        return switch random.int(in: 0...2) {
        case 0:
            "\(context.who)会同\(helper)化解\(context.grid)\(dispute)，双方达成调解协议"
        case 1:
            "\(context.who)协调\(helper)妥善处理\(context.place)\(dispute)，当事人息诉罢访"
        default:
            "经\(context.who)多次上门做工作，\(context.place)\(dispute)得到化解"
        }
    }

    /// 机关支部与农村党组织结对.
    func branchPairing(_ context: Context, organ: String, _ random: inout SplitMix64) -> String {
        let focus = random.pick(context.topics.development + SeedNames.programmes.map { "“\($0)”建设" })
        return switch random.int(in: 0...1) {
        case 0:
            "\(organ)机关党支部与\(context.place)党支部签订结对共建协议，围绕\(focus)开展支部结对"
        default:
            "\(organ)党组织与\(context.place)党组织开展支部结对，商定年内帮助推进\(focus)"
        }
    }
}
