/// The limits a read plan keeps to: the protocol's (125 registers, 2000 bits per request; Modbus Application Protocol
/// V1.1b3, 6.1–6.4), a device's own lower ones, and how many unused registers or bits may be read to join two
/// neighbouring spans into one request.
public struct ReadLimits: Sendable, Hashable {
    public var maxRegisters = 125
    public var maxBits = 2000
    /// Unused registers read to join two spans; 0 joins only adjacent or overlapping ones.
    public var maxGapRegisters = 0
    public var maxGapBits = 0

    public init(maxRegisters: Int = 125, maxBits: Int = 2000, maxGapRegisters: Int = 0, maxGapBits: Int = 0) {
        self.maxRegisters = maxRegisters
        self.maxBits = maxBits
        self.maxGapRegisters = maxGapRegisters
        self.maxGapBits = maxGapBits
    }
}

/// One read request of a plan: a table, a span, and the points it carries with their place in the answer.
public struct ReadRequest: Sendable, Hashable {
    public struct Placement: Sendable, Hashable {
        /// Index of the point in the list given to the planner.
        public var point: Int
        /// Where its first register (or bit) is in the answer.
        public var offset: Int
    }

    public var register: RegisterType
    public var address: Int
    public var count: Int
    public var points: [Placement]
}

/// Plans the fewest read requests that cover a set of points: per table, points by address, each span extended while
/// the gap to the next point is within the limit and the request stays within the table's size limit.
public enum ReadPlanner {
    /// A point wider than the limit alone is a map error (the map reader refuses it), so it is a precondition here.
    public static func plan(_ points: [ModbusPoint], limits: ReadLimits = ReadLimits()) -> [ReadRequest] {
        var requests: [ReadRequest] = []
        for register in RegisterType.allCases {
            let maximum = register.isBits ? limits.maxBits : limits.maxRegisters
            let gap = register.isBits ? limits.maxGapBits : limits.maxGapRegisters
            let members = points.indices.filter { points[$0].register == register }
                .sorted { (points[$0].address, $0) < (points[$1].address, $1) }
            var current: (address: Int, end: Int, points: [Int])?
            func close() {
                guard let span = current else { return }
                requests.append(
                    ReadRequest(
                        register: register, address: span.address, count: span.end - span.address,
                        points: span.points.map { .init(point: $0, offset: points[$0].address - span.address) }))
                current = nil
            }
            for index in members {
                let point = points[index]
                let count = register.isBits ? 1 : point.count
                precondition(count <= maximum, "point \(point.name) spans \(count), more than \(maximum) per request")
                let end = point.address + count
                if let span = current, point.address - span.end <= gap, max(span.end, end) - span.address <= maximum {
                    current = (span.address, max(span.end, end), span.points + [index])
                } else {
                    close()
                    current = (point.address, end, [index])
                }
            }
            close()
        }
        return requests
    }
}
