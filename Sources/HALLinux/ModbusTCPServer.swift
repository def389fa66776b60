import Glibc
public import HAL
import Synchronization

/// A Modbus TCP server on a dedicated thread, answering for the units `handler` serves: how simulated devices
/// speak real Modbus TCP to our client, pymodbus, mbpoll or a SCADA system.
///
/// Frames follow the Modbus Messaging on TCP/IP Implementation Guide V1.0b (MBAP header: transaction ID, protocol
/// ID 0, length, unit ID). A malformed header closes that connection only. Several clients may be connected; their
/// requests are served one at a time, like a device with one processor.
public final class ModbusTCPServer: Sendable {
    /// The bound port (the kernel's choice when 0 was asked for).
    public let port: Int
    public let host: String
    private let thread: ServerThread

    /// Binds and starts serving.
    /// - Parameters:
    ///   - host: a numeric IPv4 address; `127.0.0.1` keeps the simulation off the network.
    ///   - port: 0 for a free port.
    public init(host: String = "127.0.0.1", port: Int = 0, handler: any ModbusRequestHandler) throws(ModbusError) {
        let endpoint = "tcp:\(host):\(port)"
        func failure(_ operation: String, _ code: Int32) -> ModbusError {
            ModbusError(.connection, endpoint: endpoint, operation: operation, cause: SystemCause(errno: code))
        }
        let socketDescriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socketDescriptor >= 0 else { throw failure("create socket", errno) }
        var reuse: Int32 = 1
        setsockopt(socketDescriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            Glibc.close(socketDescriptor)
            throw ModbusError(
                .invalidArgument, endpoint: endpoint, operation: "bind", detail: "host must be a numeric IPv4 address")
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socketDescriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(socketDescriptor, 16) == 0 else {
            let code = errno
            Glibc.close(socketDescriptor)
            throw failure("bind/listen", code)
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socketDescriptor, $0, &length) }
        }
        self.port = Int(UInt16(bigEndian: actual.sin_port))
        self.host = host
        let loop = Loop(listener: socketDescriptor, handler: handler)
        self.thread = ServerThread { thread in loop.run(until: thread) }
        do {
            try thread.start()
        } catch {
            Glibc.close(socketDescriptor)
            throw ModbusError(.io, endpoint: endpoint, operation: "start server thread", cause: error.cause)
        }
    }

    /// Stops serving, closes every connection and the listening socket.
    public func stop() {
        thread.stopAndJoin()
    }

    deinit {
        thread.stopAndJoin()
    }

    /// `@unchecked Sendable`: used only by the server thread after start.
    private final class Loop: @unchecked Sendable {
        let listener: Int32
        let handler: any ModbusRequestHandler
        var clients: [Int32: [UInt8]] = [:]
        static let maxClients = 32

        init(listener: Int32, handler: any ModbusRequestHandler) {
            self.listener = listener
            self.handler = handler
        }

        func run(until thread: ServerThread) {
            defer {
                for descriptor in clients.keys { Glibc.close(descriptor) }
                Glibc.close(listener)
            }
            while !thread.shouldStop {
                var entries = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0)]
                entries += clients.keys.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
                // Short slices so stop() takes effect quickly.
                guard poll(&entries, nfds_t(entries.count), 20) > 0 else { continue }
                for entry in entries where entry.revents != 0 {
                    if entry.fd == listener {
                        accept()
                    } else {
                        receive(from: entry.fd)
                    }
                }
            }
        }

        private func accept() {
            let client = Glibc.accept(listener, nil, nil)
            guard client >= 0 else { return }
            _ = fcntl(client, F_SETFL, fcntl(client, F_GETFL) | O_NONBLOCK)
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            guard clients.count < Self.maxClients else {
                Glibc.close(client)
                return
            }
            var on: Int32 = 1
            setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
            clients[client] = []
        }

        private func receive(from client: Int32) {
            var chunk = [UInt8](repeating: 0, count: 1024)
            let count = chunk.withUnsafeMutableBytes { read(client, $0.baseAddress, $0.count) }
            if count < 0 && (errno == EAGAIN || errno == EINTR) { return }
            guard count > 0 else { return drop(client) }
            clients[client, default: []] += chunk.prefix(count)
            while let buffer = clients[client], buffer.count >= 7 {
                let protocolID = UInt16(buffer[2]) << 8 | UInt16(buffer[3])
                let length = Int(UInt16(buffer[4]) << 8 | UInt16(buffer[5]))
                // Length counts the unit ID and the PDU; a PDU is at most 253 bytes.
                guard protocolID == 0, (2...254).contains(length) else { return drop(client) }
                guard buffer.count >= 6 + length else { return }
                let unit = ModbusUnitID(buffer[6])
                let served = ModbusServedReply.serve(pdu: buffer[7..<(6 + length)], unit: unit, handler: handler)
                let transaction = Array(buffer[0..<2])
                clients[client] = Array(buffer.dropFirst(6 + length))
                pause(served.delay)
                switch served.body {
                case .none:
                    continue
                case .raw(let bytes):
                    guard writeFully(client, bytes) else { return drop(client) }
                case .pdu(let pdu, let corrupt):
                    var frame = transaction
                    frame.append(contentsOf: corrupt ? [0xFF, 0xFF] : [0, 0])
                    frame.append(contentsOf: [
                        UInt8((pdu.count + 1) >> 8), UInt8((pdu.count + 1) & 0xFF), unit.rawValue,
                    ])
                    guard writeFully(client, frame + pdu) else { return drop(client) }
                }
            }
        }

        private func drop(_ client: Int32) {
            Glibc.close(client)
            clients[client] = nil
        }
    }
}
