import CZeroMQ

/// A libzmq context; sockets keep it alive. Terminates when the last reference goes.
public final class ZMQContext: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer

    public init(ioThreads: Int = 1) throws(TransportError) {
        guard let h = zmq_ctx_new() else { throw .last("zmq_ctx_new") }
        zmq_ctx_set(h, ZMQ_IO_THREADS, Int32(ioThreads))
        handle = h
    }

    deinit { zmq_ctx_term(handle) }
}
