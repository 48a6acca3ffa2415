package io.pooler.auth;

/**
 * The channel binding one SCRAM exchange runs under (RFC 5802 section 6, RFC 5929). Over TLS the server
 * offers SCRAM-SHA-256-PLUS with the {@code tls-server-end-point} binding: the hash of its own
 * certificate, which a man in the middle with another certificate cannot reproduce.
 */
public final class ScramChannelBinding {
    /** The mechanism name of SCRAM with channel binding. */
    public static final String PLUS_MECHANISM = "SCRAM-SHA-256-PLUS";
    /** The only channel-binding type PostgreSQL (and so Pooler) supports. */
    public static final String TLS_SERVER_END_POINT = "tls-server-end-point";

    private static final ScramChannelBinding NONE = new ScramChannelBinding(null, false);

    private final byte[] tlsServerEndPoint;
    private final boolean selected;

    private ScramChannelBinding(byte[] tlsServerEndPoint, boolean selected) {
        this.tlsServerEndPoint = tlsServerEndPoint;
        this.selected = selected;
    }

    /** Not over TLS: SCRAM-SHA-256-PLUS is not offered. */
    public static ScramChannelBinding none() {
        return NONE;
    }

    /**
     * Over TLS, where SCRAM-SHA-256-PLUS was offered.
     *
     * @param tlsServerEndPoint the hash of the server's certificate (RFC 5929 section 4.1)
     * @param selected          the client chose SCRAM-SHA-256-PLUS rather than SCRAM-SHA-256
     */
    public static ScramChannelBinding overTls(byte[] tlsServerEndPoint, boolean selected) {
        return new ScramChannelBinding(tlsServerEndPoint.clone(), selected);
    }

    /** SCRAM-SHA-256-PLUS was offered: a client that could bind must not pretend the server cannot ("y"). */
    public boolean offered() {
        return tlsServerEndPoint != null;
    }

    /** The client chose SCRAM-SHA-256-PLUS: its gs2 header must be {@code p=tls-server-end-point}. */
    public boolean selected() {
        return selected;
    }

    byte[] data() {
        return tlsServerEndPoint;
    }
}
