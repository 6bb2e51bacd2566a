/// `sctp.associnfo` (`struct sctp_assocparams`, OTP's `sctp_assocparams()`).
public struct SCTPAssocParams: Sendable, Hashable, CustomStringConvertible {
    /// The association (0: the socket's default).
    public var assocID: Int32
    /// `sasoc_asocmaxrxt`: retransmissions before the association is given up.
    public var maxRetransmissions: UInt16
    /// `sasoc_number_peer_destinations`.
    public var peerDestinations: UInt16
    /// `sasoc_peer_rwnd`: the peer's receive window.
    public var peerReceiveWindow: UInt32
    /// `sasoc_local_rwnd`: the local receive window.
    public var localReceiveWindow: UInt32
    /// `sasoc_cookie_life`, in milliseconds.
    public var cookieLife: UInt32

    /// The parameters, field by field.
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
    /// `sinit_num_ostreams`.
    public var outboundStreams: UInt16
    /// `sinit_max_instreams`.
    public var maxInboundStreams: UInt16
    /// `sinit_max_attempts`.
    public var maxAttempts: UInt16
    /// `sinit_max_init_timeo`, in milliseconds.
    public var maxInitTimeout: UInt16

    /// The settings, field by field.
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
    /// The association (0: the socket's default).
    public var assocID: Int32
    /// The initial retransmission timeout.
    public var initial: UInt32
    /// The largest retransmission timeout.
    public var max: UInt32
    /// The smallest retransmission timeout.
    public var min: UInt32

    /// The timeouts, field by field.
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
    /// `sctp_data_io_event`.
    public var dataIO = false
    /// `sctp_association_event`.
    public var association = false
    /// `sctp_address_event`.
    public var address = false
    /// `sctp_send_failure_event`.
    public var sendFailure = false
    /// `sctp_peer_error_event`.
    public var peerError = false
    /// `sctp_shutdown_event`.
    public var shutdown = false
    /// `sctp_partial_delivery_event`.
    public var partialDelivery = false
    /// `sctp_adaptation_layer_event`.
    public var adaptationLayer = false
    /// `sctp_authentication_event`.
    public var authentication = false
    /// `sctp_sender_dry_event`.
    public var senderDry = false

    /// No notifications.
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
