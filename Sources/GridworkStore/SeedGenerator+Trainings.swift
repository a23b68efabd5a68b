extension SeedGenerator {
    /// P2–P5: the city's course for 30 village secretaries, the district's week-long courses for
    /// 90 party secretaries and 95 directors, and town courses for 700 person-times.
    mutating func makeTrainings() {
        add(
            .trainings,
            [
                (TrainingField.title, .string("遵义市村级党组织书记培训")), (.organizerLevel, .string("city")),
                (.audience, .string("party_secretary")), (.participants, .int(30)), (.days, .int(5)),
            ]
        )
        add(
            .trainings,
            [
                (TrainingField.title, .string("汇川区委组织部村(居)党组织书记轮训")), (.organizerLevel, .string("district")),
                (.audience, .string("party_secretary")), (.participants, .int(90)), (.days, .int(7)),
            ]
        )
        add(
            .trainings,
            [
                (TrainingField.title, .string("汇川区民政局村(居)委会主任轮训")), (.organizerLevel, .string("district")),
                (.audience, .string("director")), (.participants, .int(95)), (.days, .int(7)),
            ]
        )
        let sizes = Allocation.split(700, weights: towns.map { Double(Self.villagesPerTown[$0.id]!) })
        for (town, participants) in zip(towns, sizes) {
            add(
                .trainings,
                [
                    (TrainingField.title, .string("\(town.name)新任村(居)“两委”干部上岗培训")),
                    (.organizerLevel, .string("town")), (.audience, .string("two_committees")),
                    (.participants, .int(participants)), (.days, .int(random.int(in: 2...3))),
                    (.townId, .string(town.id)),
                ]
            )
        }
    }
}
