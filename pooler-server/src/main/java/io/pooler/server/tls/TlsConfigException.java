package io.pooler.server.tls;

/**
 * A TLS setting or file that cannot be used. The message names the key and the file, never what the file
 * holds: key files are secrets.
 */
public final class TlsConfigException extends Exception {
    public TlsConfigException(String message) {
        super(message);
    }
}
