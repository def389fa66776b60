#if CURBSIDE_FUZZING
    import Foundation

    /// libFuzzer's entry points, linked in by `-sanitize=fuzzer`.
    // swift-format-ignore: AlwaysUseLowerCamelCase
    @_silgen_name("LLVMFuzzerRunDriver")
    private func LLVMFuzzerRunDriver(
        _ argc: UnsafeMutablePointer<Int32>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
    ) -> Int32

    /// libFuzzer's default `main` wants this symbol to exist; SwiftPM's executable `main` (``CurbsideFuzz``) runs instead
    /// and hands libFuzzer the chosen target through ``LibFuzzer/run(_:arguments:)``.
    // swift-format-ignore: AlwaysUseLowerCamelCase
    @_cdecl("LLVMFuzzerTestOneInput")
    func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
        LibFuzzer.testOne(data, size)
    }

    enum LibFuzzer {
        /// The target libFuzzer drives; set once before the driver starts, read only by the driver's thread.
        nonisolated(unsafe) private static var selected: FuzzTarget?

        static func run(_ target: FuzzTarget, arguments: [String]) -> Never {
            selected = target
            var argc = Int32(arguments.count)
            let argv = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: arguments.count + 1)
            for (index, argument) in arguments.enumerated() { argv[index] = strdup(argument) }
            argv[arguments.count] = nil
            var pointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
            exit(LLVMFuzzerRunDriver(&argc, &pointer) { data, size in LibFuzzer.testOne(data, size) })
        }

        static func testOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
            guard let target = selected else { return 0 }
            target.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
            return 0
        }
    }
#endif
