package io.pooler.protocol;

import io.netty.buffer.ByteBuf;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The first message(s) a client sends, which have no type byte: StartupMessage, SSLRequest,
 * GSSENCRequest or CancelRequest, told apart by the int32 code after the length.
 */
public final class StartupPacket {
    public static final int PROTOCOL_3_0 = 196608;
    public static final int SSL_REQUEST_CODE = 80877103;
    public static final int GSSENC_REQUEST_CODE = 80877104;
    public static final int CANCEL_REQUEST_CODE = 80877102;
    /** PostgreSQL's MAX_STARTUP_PACKET_LENGTH: a longer first packet is refused before it is buffered. */
    public static final int MAX_LENGTH = 10000;

    public enum Kind { STARTUP, SSL_REQUEST, GSSENC_REQUEST, CANCEL_REQUEST }

    private final Kind kind;
    private final int protocolVersion;
    private final Map<String, String> parameters;
    private final int cancelProcessId;
    private final int cancelSecretKey;

    private StartupPacket(Kind kind, int protocolVersion, Map<String, String> parameters, int pid, int secret) {
        this.kind = kind;
        this.protocolVersion = protocolVersion;
        this.parameters = parameters;
        this.cancelProcessId = pid;
        this.cancelSecretKey = secret;
    }

    /** Parses one whole packet, length included; throws {@link ProtocolException} on a malformed one. */
    public static StartupPacket parse(ByteBuf packet) {
        int length = packet.readInt();
        int code = packet.readInt();
        switch (code) {
            case SSL_REQUEST_CODE:
                return fixedLength(Kind.SSL_REQUEST, length);
            case GSSENC_REQUEST_CODE:
                return fixedLength(Kind.GSSENC_REQUEST, length);
            case CANCEL_REQUEST_CODE:
                if (length != 16) {
                    throw new ProtocolException("invalid length of cancel request");
                }
                return new StartupPacket(Kind.CANCEL_REQUEST, 0, Map.of(), packet.readInt(), packet.readInt());
            default:
                if (code >>> 16 != 3) {
                    throw new ProtocolException(SqlState.FEATURE_NOT_SUPPORTED,
                            "unsupported frontend protocol " + (code >>> 16) + "." + (code & 0xFFFF)
                                    + ": server supports 3.0 to 3.0");
                }
                return new StartupPacket(Kind.STARTUP, code, readParameters(packet), 0, 0);
        }
    }

    private static StartupPacket fixedLength(Kind kind, int length) {
        if (length != 8) {
            throw new ProtocolException("invalid length of startup packet");
        }
        return new StartupPacket(kind, 0, Map.of(), 0, 0);
    }

    /** Name/value pairs, each a C string, ended by one empty name. */
    private static Map<String, String> readParameters(ByteBuf packet) {
        Map<String, String> params = new LinkedHashMap<>();
        try {
            while (true) {
                String name = PgFrames.readCString(packet);
                if (name.isEmpty()) {
                    break;
                }
                params.put(name, PgFrames.readCString(packet));
            }
        } catch (ProtocolException missingTerminator) {
            throw badLayout();
        }
        if (packet.isReadable()) {
            throw badLayout();
        }
        return Collections.unmodifiableMap(params);
    }

    /** PostgreSQL's words for the same fault. */
    private static ProtocolException badLayout() {
        return new ProtocolException("invalid startup packet layout: expected terminator as last byte");
    }

    public Kind kind() {
        return kind;
    }

    /** Major version in the high 16 bits, minor in the low, as sent. */
    public int protocolVersion() {
        return protocolVersion;
    }

    public Map<String, String> parameters() {
        return parameters;
    }

    public int cancelProcessId() {
        return cancelProcessId;
    }

    public int cancelSecretKey() {
        return cancelSecretKey;
    }
}
