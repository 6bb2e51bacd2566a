@testable import ESock

/// Renders ESock's option table as the catalog page `OptionReference.md`.
///
/// The page says what the table says, nothing the running machine decides: which systems
/// have an option and which build trait it needs, not whether this kernel knows it (that is
/// `isSupported(_:)` at run time). So the committed page is the same on every machine and
/// with every trait, and ``OptionReferenceTests`` can compare it byte for byte.
enum OptionReference {
    /// Where the page lives, relative to the package root.
    static let path = "Sources/ESock/ESock.docc/OptionReference.md"

    /// The page for `rows` (the whole table by default), levels in table order.
    static func markdown(_ rows: [OptionSpec] = OptionRows.all) -> String {
        var out = """
        # Option Reference

        Every option in ESock's option table: its level and name, the value it takes, which
        calls may use it, what it needs, and where it exists.

        ## Overview

        Write an option as ``SocketOption`` (`SocketOption(.tcp, "nodelay")`, or a shortcut
        such as ``SocketOption/nodelay``) and its value as one of the ``OptionValue`` cases in
        the *Value* column; ``SocketAPI/setopt(_:_:_:)`` and ``SocketAPI/getopt(_:_:)`` check
        both against this table before the kernel sees them and answer
        ``Invalid/socketOption(level:name:)`` for an unknown name, a call the *Access* column
        does not allow, a value of another case, or (where *Requirements* says *checked*) a
        socket of another kind. Other requirements are the kernel's to enforce: it answers
        with an ``Errno`` such as `enotsup`, `enoprotoopt` or `eperm`.

        *Where* says whether the value lives in the kernel (`getsockopt`/`setsockopt`) or in
        ESock (level `otp`, and the fixed domain, type and protocol). *Systems* says which
        operating systems have the option; one that Linux lacks is known to ESock, and always
        answers `invalid`. Options whose number the table does not hold can still be reached
        with ``SocketAPI/setoptNative(_:level:name:_:)`` and
        ``SocketAPI/getoptNative(_:level:name:as:)``.

        Whether *this* kernel and build support an option is decided at run time, so this page
        does not say: ask ``isSupported(_:)-(SocketOption)`` for one option, or
        ``supports()`` for the whole table (OTP's `socket:supports(options)`):

        ```swift
        for (option, supported) in supports() where !supported {
            print("not here:", option)
        }
        ```

        This page is generated from the option table (`Sources/ESock/Options/OptionRows.swift`).
        Do not edit it by hand; after changing the table, regenerate it with
        `ESOCK_WRITE_OPTION_REFERENCE=1 swift test --filter OptionReferenceTests`.

        """
        for level in OptionLevel.allCases {
            let specs = rows.filter { $0.option.level == level }
            guard !specs.isEmpty else { continue }
            out += """

            ## Level \(level.rawValue)

            | Option | Value | Access | Requirements | Where | Systems |
            |---|---|---|---|---|---|

            """
            for spec in specs {
                let cells = [
                    "`{\(level.rawValue), \(spec.option.name)}`",
                    value(spec.kind),
                    access(spec),
                    requirements(spec.requires),
                    storage(spec.storage),
                    systems(spec.requires.platforms),
                ]
                out += "| " + cells.joined(separator: " | ") + " |\n"
            }
        }
        return out
    }

    private static func link(_ caseName: String) -> String { "``OptionValue/\(caseName)``" }

    /// The ``OptionValue`` cases a row accepts (``OptionCodec`` and ``StoredOptions`` decide).
    private static func value(_ kind: OptionSpec.Kind) -> String {
        switch kind {
        case .bool: return link("bool(_:)")
        case .int, .assocID: return link("int(_:)")
        case .hops: return "\(link("int(_:)")), \(link("default"))"
        case .string(let max): return max == Int.max ? link("string(_:)") : "\(link("string(_:)")), at most \(max) bytes"
        case .linger: return link("linger(_:)")
        case .timeval: return link("microseconds(_:)")
        case .domain: return link("domain(_:)")
        case .type: return link("type(_:)")
        case .protocol: return link("protocol(_:)")
        case .bufferSize: return "\(link("int(_:)")), \(link("pair(_:_:)")), \(link("default"))"
        case .ctrlBufferSize: return "\(link("int(_:)")), \(link("default"))"
        case .ipv4Interface: return link("ipv4(_:)")
        case .tos: return "\(link("tos(_:)")), \(link("int(_:)"))"
        case .mtuDiscover: return "\(link("mtuDiscover(_:)")), \(link("int(_:)"))"
        case .ipMembership: return link("ipMembership(_:)")
        case .ipSourceMembership: return link("ipSourceMembership(_:)")
        case .ipMulticastFilter: return link("ipMulticastFilter(_:)")
        case .ipv6Membership: return link("ipv6Membership(_:)")
        case .addrform: return "\(link("domain(_:)")) `.inet`"
        case .controlMessages: return link("controlMessages(_:)")
        case .sctpAssocParams: return link("sctpAssocParams(_:)")
        case .sctpInitMsg: return link("sctpInitMsg(_:)")
        case .sctpRTOInfo: return link("sctpRTOInfo(_:)")
        case .sctpEvents: return link("sctpEvents(_:)")
        }
    }

    private static func access(_ spec: OptionSpec) -> String {
        switch (spec.gettable, spec.settable) {
        case (true, true): return "get, set"
        case (true, false): return "get"
        case (false, true): return "set"
        case (false, false): return "none"
        }
    }

    private static func requirements(_ r: OptionRequirements) -> String {
        var parts: [String] = []
        // Sets are listed in declaration order, so the page does not depend on hashing.
        if let t = r.types { parts.append("type " + names(SocketType.allCases.filter(t.contains).map(\.rawValue))) }
        if let d = r.domains { parts.append("domain " + names(Domain.allCases.filter(d.contains).map(\.rawValue))) }
        if let p = r.protocols { parts.append("protocol " + names(SocketProtocol.allCases.filter(p.contains).map(\.rawValue))) }
        if r.checked { parts.append("checked by ESock") }
        if let privilege = r.privilege { parts.append("`\(privilege.rawValue)` to set") }
        if let build = r.build { parts.append("trait `\(build.rawValue)`") }
        return parts.isEmpty ? "–" : parts.joined(separator: "; ")
    }

    private static func names(_ values: [String]) -> String {
        values.map { "`\($0)`" }.joined(separator: ", ")
    }

    private static func storage(_ s: OptionSpec.Storage) -> String {
        switch s {
        case .kernel: return "kernel"
        case .esock: return "ESock"
        case .elsewhere: return "–"
        }
    }

    private static func systems(_ p: Platforms) -> String {
        if p == .all { return "all" }
        let named: [(Platforms, String)] = [(.linux, "Linux"), (.bsd, "BSD"), (.darwin, "Darwin"),
                                            (.solaris, "Solaris"), (.windows, "Windows")]
        let list = named.filter { p.contains($0.0) }.map(\.1).joined(separator: ", ")
        return p.contains(.linux) ? list : "\(list) (not Linux)"
    }
}
