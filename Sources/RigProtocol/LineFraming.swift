public import NIOCore

/// Splits a byte stream into lines (without the `\n`; a trailing `\r` is dropped too, for humans typing into
/// `socat`). Lines longer than `maximumLength` close the connection rather than grow a buffer without bound.
public struct LineDecoder: ByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer
    public let maximumLength: Int

    public init(maximumLength: Int = 1 << 20) { self.maximumLength = maximumLength }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > maximumLength { throw LineTooLong() }
            return .needMoreData
        }
        let length = newline - buffer.readerIndex
        var line = buffer.readSlice(length: length)!
        buffer.moveReaderIndex(forwardBy: 1)
        if line.readableBytesView.last == UInt8(ascii: "\r") {
            line = line.getSlice(at: line.readerIndex, length: line.readableBytes - 1)!
        }
        context.fireChannelRead(wrapInboundOut(line))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }

    public struct LineTooLong: Error {}
}
