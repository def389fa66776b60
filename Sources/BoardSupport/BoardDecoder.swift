import ConfigSupport
internal import HAL
internal import Yams

/// Turns a composed YAML document into a ``Board``, checking everything the format requires:
/// types, ranges, unknown keys, references between sections, and hardware claimed twice.
struct BoardDecoder {
    private var reader = NodeReader()

    var issues: [BoardIssue] { reader.issues }

    private struct PendingLine {
        var name: String
        var chipID: String
        var offset: Int
        var headerPin: HeaderPin?
        var note: String?
    }

    /// Decodes `root`; returns `nil` when any issue was found (see ``issues``).
    ///
    /// - Parameter expectedID: the file name without `.yaml`, which must equal the `board` key.
    mutating func decode(_ root: Node, expectedID: String?) -> Board? {
        let path = JSONPath.root
        guard
            let top = reader.object(
                root, at: path, required: ["board", "name", "source", "gpio"],
                optional: ["kind", "notes", "default_header", "i2c", "serial", "leds", "image"])
        else { return nil }

        let id = top["board"].flatMap { node in
            reader.string(
                node, at: path.appending("board"), matching: Pattern.isBoardID,
                what: "board id of lower-case letters, digits and '-' (e.g. \"raspberry-pi-4b\")")
        }
        if let id, let expectedID, id != expectedID, let node = top["board"] {
            reader.report(
                .invalidValue, at: path.appending("board"), expected: "\"\(expectedID)\" (the file name without .yaml)",
                found: "\"\(id)\"", node: node)
        }
        let name = top["name"].flatMap { reader.string($0, at: path.appending("name")) }
        // An invalid kind is reported; checking the rest as hardware still finds the other problems.
        let kind =
            top["kind"].map { reader.choice($0, at: path.appending("kind"), of: Board.Kind.self) ?? .hardware }
            ?? .hardware
        let sources = top["source"].map { decodeSources($0, at: path.appending("source")) } ?? []
        let notes = top["notes"].flatMap { reader.string($0, at: path.appending("notes")) }
        let defaultHeader = top["default_header"].flatMap { reader.string($0, at: path.appending("default_header")) }

        var chips: [String: BoardGPIOChip] = [:]
        var lines: [String: BoardGPIOLine] = [:]
        var aliases: [String: String] = [:]
        if let gpio = top["gpio"] {
            (chips, lines, aliases) = decodeGPIO(gpio, at: path.appending("gpio"), defaultHeader: defaultHeader)
        }
        let buses = top["i2c"].map {
            decodeI2C($0, at: path.appending("i2c"), kind: kind, defaultHeader: defaultHeader)
        }
        let ports = top["serial"].map {
            decodeSerial($0, at: path.appending("serial"), kind: kind, defaultHeader: defaultHeader)
        }
        let declaredGPIONames = declaredNames(in: top["gpio"], sections: ["lines", "aliases"])
        let leds = top["leds"].map {
            decodeLEDs(
                $0, at: path.appending("leds"), lines: lines, aliases: aliases, declaredGPIONames: declaredGPIONames)
        }

        let image = top["image"].flatMap {
            BoardImage.section.read(&reader, $0, at: path.appending("image"), defaults: BoardImage())
        }

        guard reader.issues.isEmpty, let id, let name else { return nil }
        return Board(
            id: id, name: name, kind: kind, sources: sources, notes: notes, gpioChips: chips, gpioLines: lines,
            gpioAliases: aliases, i2cBuses: buses ?? [:], serialPorts: ports ?? [:], statusLEDs: leds ?? [:],
            image: image)
    }

    private mutating func decodeSources(_ node: Node, at path: JSONPath) -> [BoardSource] {
        reader.list(node, at: path, of: "sources (title and url)", minimumCount: 1).compactMap { itemPath, item in
            guard let fields = reader.object(item, at: itemPath, required: ["title"], optional: ["url", "note"]) else {
                return nil
            }
            let title = fields["title"].flatMap { reader.string($0, at: itemPath.appending("title")) }
            let url = fields["url"].flatMap {
                reader.string($0, at: itemPath.appending("url"), matching: Pattern.isURL, what: "http(s) URL")
            }
            let note = fields["note"].flatMap { reader.string($0, at: itemPath.appending("note")) }
            return title.map { BoardSource(title: $0, url: url, note: note) }
        }
    }

    /// Keys declared under `section.<name>` for each of `sections`, whether or not their entries are valid.
    private func declaredNames(in node: Node?, sections: [String]) -> Set<String> {
        guard case .mapping(let mapping)? = node else { return [] }
        var names: Set<String> = []
        for (key, value) in mapping where key.string.map(sections.contains) == true {
            names.formUnion(reader.peekNames(value))
        }
        return names
    }

    // MARK: GPIO

    private mutating func decodeGPIO(
        _ node: Node, at path: JSONPath, defaultHeader: String?
    ) -> ([String: BoardGPIOChip], [String: BoardGPIOLine], [String: String]) {
        guard let gpio = reader.object(node, at: path, required: ["chips", "lines"], optional: ["aliases"]) else {
            return ([:], [:], [:])
        }
        let declaredChips = gpio["chips"].map { reader.peekNames($0) } ?? []
        let chips = gpio["chips"].map { decodeChips($0, at: path.appending("chips")) } ?? [:]
        let pending =
            gpio["lines"].map {
                decodeLines(
                    $0, at: path.appending("lines"), chips: chips, declaredChips: declaredChips,
                    defaultHeader: defaultHeader)
            } ?? []
        // Aliases may point at a declared line that has problems of its own; that is reported once, at the line.
        let lineNames = gpio["lines"].map { reader.peekNames($0) } ?? []
        let aliases =
            gpio["aliases"].map { decodeAliases($0, at: path.appending("aliases"), lineNames: lineNames) } ?? [:]

        var aliasesByLine: [String: [String]] = [:]
        for (alias, line) in aliases { aliasesByLine[line, default: []].append(alias) }
        var lines: [String: BoardGPIOLine] = [:]
        for line in pending {
            guard let chip = chips[line.chipID] else { continue }
            lines[line.name] = BoardGPIOLine(
                name: line.name,
                address: GPIOLineAddress(chip: chip.identifier, offset: GPIOLineOffset(UInt32(line.offset))),
                chipID: line.chipID, headerPin: line.headerPin, aliases: (aliasesByLine[line.name] ?? []).sorted(),
                note: line.note)
        }
        return (chips, lines, aliases)
    }

    private mutating func decodeChips(_ node: Node, at path: JSONPath) -> [String: BoardGPIOChip] {
        var chips: [String: BoardGPIOChip] = [:]
        var chipByIdentifier: [String: String] = [:]
        for (id, chipNode) in reader.entries(node, at: path, of: "GPIO chips") {
            let chipPath = path.appending(id)
            guard
                let fields = reader.object(
                    chipNode, at: chipPath, required: ["lines"], optional: ["name", "label", "open_by", "note"])
            else { continue }
            let name = fields["name"].flatMap {
                reader.string(
                    $0, at: chipPath.appending("name"), matching: Pattern.isGPIOChipName,
                    what: "kernel chip name \"gpiochipN\"")
            }
            let label = fields["label"].flatMap { reader.string($0, at: chipPath.appending("label")) }
            let lineCount = fields["lines"].flatMap {
                reader.integer($0, at: chipPath.appending("lines"), in: 1...4096)
            }
            let note = fields["note"].flatMap { reader.string($0, at: chipPath.appending("note")) }
            if fields["name"] == nil && fields["label"] == nil {
                reader.report(
                    .missingKey, at: chipPath, expected: "\"name\" (gpiochipN) or \"label\" (as gpiodetect shows it)",
                    found: "neither", node: chipNode)
                continue
            }
            let openBy: BoardGPIOChip.OpenBy
            if let openByNode = fields["open_by"] {
                guard
                    let choice = reader.choice(
                        openByNode, at: chipPath.appending("open_by"), of: BoardGPIOChip.OpenBy.self)
                else { continue }
                if (choice == .name && fields["name"] == nil) || (choice == .label && fields["label"] == nil) {
                    reader.report(
                        .invalidValue, at: chipPath.appending("open_by"),
                        expected: "an identifier the chip has (\(choice == .name ? "add \"name\"" : "add \"label\""))",
                        found: "\"\(choice.rawValue)\"", node: openByNode)
                    continue
                }
                openBy = choice
            } else {
                openBy = fields["name"] != nil ? .name : .label
            }
            guard let lineCount, name != nil || label != nil else { continue }
            if (openBy == .name && name == nil) || (openBy == .label && label == nil) { continue }
            let chip = BoardGPIOChip(id: id, name: name, label: label, lineCount: lineCount, openBy: openBy, note: note)
            if let other = chipByIdentifier[chip.identifier] {
                reader.report(
                    .conflict, at: chipPath, expected: "a chip identifier not used by another chip",
                    found: "\"\(chip.identifier)\", already used by chip \(other)", node: chipNode)
                continue
            }
            chipByIdentifier[chip.identifier] = id
            chips[id] = chip
        }
        return chips
    }

    private mutating func decodeLines(
        _ node: Node, at path: JSONPath, chips: [String: BoardGPIOChip], declaredChips: Set<String>,
        defaultHeader: String?
    ) -> [PendingLine] {
        var result: [PendingLine] = []
        var lineByAddress: [String: String] = [:]
        var lineByPin: [HeaderPin: String] = [:]
        for (name, lineNode) in reader.entries(node, at: path, of: "GPIO lines") {
            let linePath = path.appending(name)
            guard
                let fields = reader.object(
                    lineNode, at: linePath, required: ["chip", "line"], optional: ["pin", "header", "note"])
            else { continue }
            var chip: BoardGPIOChip?
            if let chipNode = fields["chip"], let chipID = reader.string(chipNode, at: linePath.appending("chip")) {
                chip = chips[chipID]
                // A chip that is declared but invalid already has its own issue; one report per mistake.
                if chip == nil && !declaredChips.contains(chipID) {
                    reader.report(
                        .unknownReference, at: linePath.appending("chip"),
                        expected: "a chip of $.gpio.chips (" + declaredChips.sorted().joined(separator: ", ") + ")",
                        found: "\"\(chipID)\"",
                        suggestion: NearestMatch.suggestion(for: chipID, among: declaredChips), node: chipNode)
                }
            }
            // With a known chip the range is exact; otherwise still catch negative and absurd offsets.
            let range = chip.map { 0...($0.lineCount - 1) } ?? 0...4095
            let offset = fields["line"].flatMap { reader.integer($0, at: linePath.appending("line"), in: range) }
            let header =
                fields["header"].flatMap { reader.string($0, at: linePath.appending("header")) } ?? defaultHeader
            let pin = fields["pin"].flatMap { reader.integer($0, at: linePath.appending("pin"), in: 1...1000) }
            let note = fields["note"].flatMap { reader.string($0, at: linePath.appending("note")) }
            guard let chip, let offset else { continue }

            let addressKey = "\(chip.id):\(offset)"
            if let other = lineByAddress[addressKey], let offsetNode = fields["line"] {
                reader.report(
                    .conflict, at: linePath.appending("line"),
                    expected: "an offset no other line of chip \(chip.id) uses",
                    found: "\(offset), already used by \(other)", node: offsetNode)
                continue
            }
            lineByAddress[addressKey] = name
            let headerPin = pin.map { HeaderPin(header: header, number: $0) }
            if let headerPin, let pinNode = fields["pin"] {
                if let other = lineByPin[headerPin] {
                    reader.report(
                        .conflict, at: linePath.appending("pin"), expected: "a header pin no other line uses",
                        found: "\(headerPin), already used by \(other)", node: pinNode)
                    continue
                }
                lineByPin[headerPin] = name
            }
            result.append(PendingLine(name: name, chipID: chip.id, offset: offset, headerPin: headerPin, note: note))
        }
        return result
    }

    private mutating func decodeAliases(_ node: Node, at path: JSONPath, lineNames: Set<String>) -> [String: String] {
        var aliases: [String: String] = [:]
        for (alias, targetNode) in reader.entries(node, at: path, of: "carrier-board roles (alias: line name)") {
            let aliasPath = path.appending(alias)
            if lineNames.contains(alias) {
                reader.report(
                    .conflict, at: aliasPath, expected: "an alias that is not also a line name",
                    found: "\"\(alias)\", which is a line of $.gpio.lines", node: targetNode)
                continue
            }
            guard let target = reader.string(targetNode, at: aliasPath, what: "the name of a line in $.gpio.lines")
            else { continue }
            guard lineNames.contains(target) else {
                reader.report(
                    .unknownReference, at: aliasPath, expected: "the name of a line in $.gpio.lines",
                    found: "\"\(target)\"", suggestion: NearestMatch.suggestion(for: target, among: lineNames),
                    node: targetNode)
                continue
            }
            aliases[alias] = target
        }
        return aliases
    }

    // MARK: I²C, serial, LEDs

    private mutating func decodeI2C(
        _ node: Node, at path: JSONPath, kind: Board.Kind, defaultHeader: String?
    ) -> [String: BoardI2CBus] {
        var buses: [String: BoardI2CBus] = [:]
        var busByDevice: [String: String] = [:]
        for (name, busNode) in reader.entries(node, at: path, of: "I2C buses") {
            let busPath = path.appending(name)
            guard
                let fields = reader.object(
                    busNode, at: busPath, required: ["device"], optional: ["sda", "scl", "header", "speed_hz", "note"])
            else { continue }
            let device = fields["device"].flatMap { deviceNode in
                switch kind {
                case .hardware:
                    reader.string(
                        deviceNode, at: busPath.appending("device"), matching: Pattern.isI2CDevice,
                        what: "i2c-dev node \"/dev/i2c-N\"")
                case .simulated:
                    reader.string(
                        deviceNode, at: busPath.appending("device"), matching: Pattern.isSimulatedI2CBus,
                        what: "rig bus name \"sim-i2c-N\" (simulated board)")
                }
            }
            let header =
                fields["header"].flatMap { reader.string($0, at: busPath.appending("header")) } ?? defaultHeader
            let sda = fields["sda"].flatMap { reader.integer($0, at: busPath.appending("sda"), in: 1...1000) }
            let scl = fields["scl"].flatMap { reader.integer($0, at: busPath.appending("scl"), in: 1...1000) }
            let speed = fields["speed_hz"].map {
                reader.integer($0, at: busPath.appending("speed_hz"), in: 1_000...5_000_000, unit: "Hz")
            }
            let note = fields["note"].flatMap { reader.string($0, at: busPath.appending("note")) }
            guard let device, speed != .some(nil) else { continue }
            if let other = busByDevice[device], let deviceNode = fields["device"] {
                reader.report(
                    .conflict, at: busPath.appending("device"), expected: "a device no other bus uses",
                    found: "\"\(device)\", already used by \(other)", node: deviceNode)
                continue
            }
            busByDevice[device] = name
            buses[name] = BoardI2CBus(
                name: name, device: device, sdaPin: sda.map { HeaderPin(header: header, number: $0) },
                sclPin: scl.map { HeaderPin(header: header, number: $0) }, speedHz: (speed ?? nil) ?? 100_000,
                note: note)
        }
        return buses
    }

    private mutating func decodeSerial(
        _ node: Node, at path: JSONPath, kind: Board.Kind, defaultHeader: String?
    ) -> [String: BoardSerialPort] {
        var ports: [String: BoardSerialPort] = [:]
        var portByDevice: [String: String] = [:]
        for (name, portNode) in reader.entries(node, at: path, of: "serial ports") {
            let portPath = path.appending(name)
            guard
                let fields = reader.object(
                    portNode, at: portPath, required: ["device"], optional: ["tx", "rx", "header", "note"])
            else { continue }
            var device: String?
            if let deviceNode = fields["device"] {
                let devicePath = portPath.appending("device")
                switch kind {
                case .hardware:
                    device = reader.string(
                        deviceNode, at: devicePath, matching: { $0.hasPrefix("/dev/") && Pattern.isAbsolutePath($0) },
                        what: "device path under /dev/")
                case .simulated:
                    device = reader.string(
                        deviceNode, at: devicePath, matching: Pattern.isAbsolutePath,
                        what: "absolute path of the pty link the rig creates")
                }
                // USB adapters are not part of the board, and their numbers move; configs name them by-id.
                if let path = device, Pattern.isUnstableUSBSerial(path) {
                    reader.report(
                        .invalidValue, at: devicePath,
                        expected: "an on-board UART (USB adapters belong in configs as /dev/serial/by-id/…)",
                        found: "\"\(path)\"", node: deviceNode)
                    device = nil
                }
            }
            let header =
                fields["header"].flatMap { reader.string($0, at: portPath.appending("header")) } ?? defaultHeader
            let tx = fields["tx"].flatMap { reader.integer($0, at: portPath.appending("tx"), in: 1...1000) }
            let rx = fields["rx"].flatMap { reader.integer($0, at: portPath.appending("rx"), in: 1...1000) }
            let note = fields["note"].flatMap { reader.string($0, at: portPath.appending("note")) }
            guard let device else { continue }
            if let other = portByDevice[device], let deviceNode = fields["device"] {
                reader.report(
                    .conflict, at: portPath.appending("device"), expected: "a device no other port uses",
                    found: "\"\(device)\", already used by \(other)", node: deviceNode)
                continue
            }
            portByDevice[device] = name
            ports[name] = BoardSerialPort(
                name: name, device: device, txPin: tx.map { HeaderPin(header: header, number: $0) },
                rxPin: rx.map { HeaderPin(header: header, number: $0) }, note: note)
        }
        return ports
    }

    private mutating func decodeLEDs(
        _ node: Node, at path: JSONPath, lines: [String: BoardGPIOLine], aliases: [String: String],
        declaredGPIONames: Set<String>
    ) -> [String: BoardStatusLED] {
        var leds: [String: BoardStatusLED] = [:]
        for (name, ledNode) in reader.entries(node, at: path, of: "status LEDs") {
            let ledPath = path.appending(name)
            guard let fields = reader.object(ledNode, at: ledPath, required: [], optional: ["path", "line", "note"])
            else { continue }
            let note = fields["note"].flatMap { reader.string($0, at: ledPath.appending("note")) }
            switch (fields["path"], fields["line"]) {
            case (let pathNode?, nil):
                guard
                    let sysfs = reader.string(
                        pathNode, at: ledPath.appending("path"), matching: Pattern.isLEDClassPath,
                        what: "LED class path \"/sys/class/leds/<name>\"")
                else { continue }
                leds[name] = BoardStatusLED(name: name, control: .sysfs(path: sysfs), note: note)
            case (nil, let lineNode?):
                guard let line = reader.string(lineNode, at: ledPath.appending("line"), what: "a GPIO line or alias")
                else { continue }
                guard let target = lines[line]?.name ?? aliases[line] else {
                    // A declared line or alias with problems of its own was reported there; one report per mistake.
                    if !declaredGPIONames.contains(line) {
                        reader.report(
                            .unknownReference, at: ledPath.appending("line"), expected: "a line or alias of $.gpio",
                            found: "\"\(line)\"",
                            suggestion: NearestMatch.suggestion(for: line, among: declaredGPIONames), node: lineNode)
                    }
                    continue
                }
                leds[name] = BoardStatusLED(name: name, control: .gpioLine(target), note: note)
            default:
                reader.report(
                    .invalidValue, at: ledPath, expected: "exactly one of \"path\" (sysfs LED) or \"line\" (GPIO line)",
                    found: fields["path"] == nil ? "neither" : "both", node: ledNode)
            }
        }
        return leds
    }
}
