import GridworkStore
import Testing

struct StoreTests {
    @Test func store_isReady_onceCreated() {
        #expect(Store().isReady)
    }
}
