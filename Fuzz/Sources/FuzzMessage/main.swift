@_spi(Fuzzing) import ESock

/// libFuzzer's entry point: one input, handed to `FuzzEntryPoints.message`, which must not crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = FuzzEntryPoints.message(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
