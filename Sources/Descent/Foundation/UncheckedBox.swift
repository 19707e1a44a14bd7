/// Carries a non-Sendable value into `concurrentPerform`, whose iterations only read it.
@usableFromInline
struct UncheckedBox<Value>: @unchecked Sendable {
    @usableFromInline let value: Value
    @usableFromInline init(_ value: Value) { self.value = value }
}
