/// `sctp.associnfo` (`struct sctp_assocparams`, OTP's `sctp_assocparams()`).
public struct SCTPAssocParams: Sendable, Hashable, CustomStringConvertible {
    public var assocID: Int32
    public var maxRetransmissions: UInt16
    public var peerDestinations: UInt16
    public var peerReceiveWindow: UInt32
    public var localReceiveWindow: UInt32
    public var cookieLife: UInt32

    public init(assocID: Int32 = 0, maxRetransmissions: UInt16, peerDestinations: UInt16,
                peerReceiveWindow: UInt32, localReceiveWindow: UInt32, cookieLife: UInt32) {
        self.assocID = assocID
        self.maxRetransmissions = maxRetransmissions
        self.peerDestinations = peerDestinations
        self.peerReceiveWindow = peerReceiveWindow
        self.localReceiveWindow = localReceiveWindow
        self.cookieLife = cookieLife
    }

    public var description: String {
        "#{assoc_id => \(assocID), asocmaxrxt => \(maxRetransmissions), number_peer_destinations => \(peerDestinations), "
            + "peer_rwnd => \(peerReceiveWindow), local_rwnd => \(localReceiveWindow), cookie_life => \(cookieLife)}"
    }
}

/// `sctp.initmsg` (`struct sctp_initmsg`, OTP's `sctp_initmsg()`).
public struct SCTPInitMsg: Sendable, Hashable, CustomStringConvertible {
    public var outboundStreams: UInt16
    public var maxInboundStreams: UInt16
    public var maxAttempts: UInt16
    public var maxInitTimeout: UInt16

    public init(outboundStreams: UInt16, maxInboundStreams: UInt16, maxAttempts: UInt16, maxInitTimeout: UInt16) {
        self.outboundStreams = outboundStreams
        self.maxInboundStreams = maxInboundStreams
        self.maxAttempts = maxAttempts
        self.maxInitTimeout = maxInitTimeout
    }

    public var description: String {
        "#{num_outstreams => \(outboundStreams), max_instreams => \(maxInboundStreams), "
            + "max_attempts => \(maxAttempts), max_init_timeo => \(maxInitTimeout)}"
    }
}

/// `sctp.rtoinfo` (`struct sctp_rtoinfo`, OTP's `sctp_rtoinfo()`), in milliseconds.
public struct SCTPRTOInfo: Sendable, Hashable, CustomStringConvertible {
    public var assocID: Int32
    public var initial: UInt32
    public var max: UInt32
    public var min: UInt32

    public init(assocID: Int32 = 0, initial: UInt32, max: UInt32, min: UInt32) {
        self.assocID = assocID
        self.initial = initial
        self.max = max
        self.min = min
    }

    public var description: String { "#{assoc_id => \(assocID), initial => \(initial), max => \(max), min => \(min)}" }
}

/// `sctp.events` (`struct sctp_event_subscribe`, OTP's `sctp_event_subscribe()`): which
/// notifications the socket receives.
public struct SCTPEventSubscribe: Sendable, Hashable, CustomStringConvertible {
    public var dataIO = false
    public var association = false
    public var address = false
    public var sendFailure = false
    public var peerError = false
    public var shutdown = false
    public var partialDelivery = false
    public var adaptationLayer = false
    public var authentication = false
    public var senderDry = false

    public init() {}

    /// The flags in the kernel's field order.
    var flags: [Bool] {
        [dataIO, association, address, sendFailure, peerError, shutdown, partialDelivery,
         adaptationLayer, authentication, senderDry]
    }

    public var description: String {
        let names = ["data_io", "association", "address", "send_failure", "peer_error", "shutdown",
                     "partial_delivery", "adaptation_layer", "authentication", "sender_dry"]
        return "#{" + zip(names, flags).map { "\($0) => \($1)" }.joined(separator: ", ") + "}"
    }
}
