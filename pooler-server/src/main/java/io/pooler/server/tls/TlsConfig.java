package io.pooler.server.tls;

import io.pooler.config.AuthType;
import io.pooler.config.Settings;

import java.util.List;

/**
 * Both sides' TLS, loaded with the rest of the config: a missing or broken file fails the load (and so a
 * reload keeps the running config), as PgBouncer refuses to apply half a TLS setup.
 */
public record TlsConfig(ClientTls client, ServerTls server) {

    /** Reads the TLS settings and their files; what could not be honoured as written goes to {@code warnings}. */
    public static TlsConfig load(Settings settings, List<String> warnings) throws TlsConfigException {
        if (settings.authType() == AuthType.CERT) {
            if (!settings.clientTlsSslmode().verifiesPeer()) {
                throw new TlsConfigException("auth_type = cert needs client_tls_sslmode = verify-ca or verify-full");
            }
            if (settings.clientTlsCaFile().isEmpty()) {
                throw new TlsConfigException("auth_type = cert needs client_tls_ca_file");
            }
        }
        return new TlsConfig(ClientTls.load(settings, warnings), ServerTls.load(settings, warnings));
    }
}
