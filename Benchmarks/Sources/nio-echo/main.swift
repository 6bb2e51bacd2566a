// nio-echo: a SwiftNIO TCP echo server, the Swift peer in ESock's benchmarks.
//
//   nio-echo [--port N] [--host ADDR] [--threads T]
//
// Binds ADDR:N (default 127.0.0.1:0, 0 = pick a free port), prints
// "listening PORT" on stdout (flushed) once it accepts connections, and echoes
// every byte back. Exits on SIGINT/SIGTERM. The idiomatic NIO echo handler:
// write on channelRead, flush on channelReadComplete (one flush per read burst).
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

final class EchoHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.write(data, promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}

func fail(_ message: String, status: Int32 = 1) -> Never {
    let line = "nio-echo: \(message)\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
    exit(status)
}

func usage() -> Never {
    fail("usage: nio-echo [--port N] [--host ADDR] [--threads T]", status: 2)
}

var port = 0
var host = "127.0.0.1"
var threads = 1
var arguments = CommandLine.arguments.dropFirst()
while let flag = arguments.popFirst() {
    guard let value = arguments.popFirst() else { usage() }
    switch flag {
    case "--port": guard let v = Int(value), (0...65535).contains(v) else { usage() }; port = v
    case "--host": host = value
    case "--threads": guard let v = Int(value), v > 0 else { usage() }; threads = v
    default: usage()
    }
}

signal(SIGINT) { _ in _exit(0) }
signal(SIGTERM) { _ in _exit(0) }
signal(SIGPIPE, SIG_IGN)

let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
let bootstrap = ServerBootstrap(group: group)
    .serverChannelOption(.backlog, value: 1024)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
    .childChannelOption(.maxMessagesPerRead, value: 16)
    .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(EchoHandler())
        }
    }

do {
    let channel = try bootstrap.bind(host: host, port: port).wait()
    guard let bound = channel.localAddress?.port else {
        fail("no local port")
    }
    print("listening \(bound)")
    fflush(nil)
    try channel.closeFuture.wait()
} catch {
    fail("\(error)")
}
