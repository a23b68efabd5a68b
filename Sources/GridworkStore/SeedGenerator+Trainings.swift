extension SeedGenerator {
    /// P2–P5: the city's course for 30 village secretaries and the district's week-long courses
    /// for 90 party secretaries and 95 directors — the report's own — and the towns' and
    /// sub-districts' induction courses for the new two committees, 700 person-times in all.
    mutating func makeTrainings() {
        // The report gives no length for the city's course.
        add(
            .trainings,
            source: .report,
            [
                (TrainingField.title, .string("遵义市村级党组织书记培训")), (.organizerLevel, .string("city")),
                (.audience, .string("party_secretary")), (.participants, .int(30)), (.days, .int(0)),
            ]
        )
        add(
            .trainings,
            source: .report,
            [
                (TrainingField.title, .string("汇川区委组织部村(居)党组织书记轮训")), (.organizerLevel, .string("district")),
                (.audience, .string("party_secretary")), (.participants, .int(90)), (.days, .int(7)),
            ]
        )
        add(
            .trainings,
            source: .report,
            [
                (TrainingField.title, .string("汇川区民政局村(居)委会主任轮训")), (.organizerLevel, .string("district")),
                (.audience, .string("director")), (.participants, .int(95)), (.days, .int(7)),
            ]
        )
        // Each town trains its villages' committee members: course sizes follow
        // the number of villages, unevenly.
        let sizes = Allocation.split(
            700,
            weights: towns.map { Double(Self.villagesPerTown[$0.id]!) * (0.6 + random.unit()) },
            minimum: 20
        )
        for (town, participants) in zip(towns, sizes) {
            let members = town.kind == "street" ? "社区“两委”" : "村(居)“两委”"
            add(
                .trainings,
                [
                    (TrainingField.title, .string("\(town.name)新任\(members)干部上岗培训")),
                    (.organizerLevel, .string("town")), (.audience, .string("two_committees")),
                    (.participants, .int(participants)), (.days, .int(random.int(in: 1...3))),
                    (.townId, .string(town.id)),
                ]
            )
        }
    }
}
