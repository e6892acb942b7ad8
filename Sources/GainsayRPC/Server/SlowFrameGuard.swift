import GainsayProto
import NIOCore

/// Closes connections whose preface or frame is not complete within a time limit of its first byte.
///
/// A client that sends part of a frame and then stalls (or trickles a byte at a time) would otherwise
/// hold a connection and its buffered bytes forever. The guard sits before the frame decoder and
/// follows frame boundaries from the headers alone; a connection with no partial frame may stay idle
/// as long as it likes (a `Watch` stream, a shell waiting for its next command).
final class SlowFrameGuard: ChannelInboundHandler {
  typealias InboundIn = ByteBuffer
  typealias InboundOut = ByteBuffer

  private enum Position {
    /// Inside the preface, with this many bytes still to come.
    case preface(remaining: Int)
    /// Inside a frame header: the bytes of it seen so far.
    case header(seen: [UInt8])
    /// Inside a frame payload, with this many bytes still to come.
    case payload(remaining: Int)
  }

  private let limit: TimeAmount
  private var position = Position.preface(remaining: ConnectionPreface.size)
  private var deadline: Scheduled<Void>?

  init(limit: TimeAmount) {
    self.limit = limit
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    let buffer = unwrapInboundIn(data)
    // A read that completes a frame ends that frame's deadline; one that also starts the next gives
    // the next its own (a busy client's reads need not end on frame boundaries).
    if advance(over: buffer) {
      deadline?.cancel()
      deadline = nil
    }
    if !isBetweenFrames && deadline == nil {
      // The first byte of an incomplete preface or frame: it must be complete within the limit.
      let channel = context.channel
      let limit = self.limit
      deadline = context.eventLoop.scheduleTask(in: limit) {
        channel.goAwayAndClose(
          RPCError(
            code: .deadlineExceeded,
            message: "a frame was not completed within \(limit.nanoseconds / 1_000_000) ms of its first byte",
            reason: "FRAME_TIMEOUT"))
      }
    }
    context.fireChannelRead(data)
  }

  func channelInactive(context: ChannelHandlerContext) {
    deadline?.cancel()
    deadline = nil
    context.fireChannelInactive()
  }

  private var isBetweenFrames: Bool {
    if case .header(let seen) = position { return seen.isEmpty }
    return false
  }

  /// Follows the stream through `buffer`: prefaces, headers and payloads. Returns whether the preface or
  /// a frame was completed in it.
  private func advance(over buffer: ByteBuffer) -> Bool {
    var completed = false
    var index = buffer.readerIndex
    let end = buffer.writerIndex
    while index < end {
      switch position {
      case .preface(let remaining):
        let taken = min(remaining, end - index)
        index += taken
        position = remaining == taken ? .header(seen: []) : .preface(remaining: remaining - taken)
        completed = completed || remaining == taken
      case .header(var seen):
        let taken = min(FrameHeader.size - seen.count, end - index)
        seen += buffer.getBytes(at: index, length: taken) ?? []
        index += taken
        if seen.count == FrameHeader.size {
          let length = Int(seen[0]) << 24 | Int(seen[1]) << 16 | Int(seen[2]) << 8 | Int(seen[3])
          position = length == 0 ? .header(seen: []) : .payload(remaining: length)
          completed = completed || length == 0
        } else {
          position = .header(seen: seen)
        }
      case .payload(let remaining):
        let taken = min(remaining, end - index)
        index += taken
        position = remaining == taken ? .header(seen: []) : .payload(remaining: remaining - taken)
        completed = completed || remaining == taken
      }
    }
    return completed
  }
}
