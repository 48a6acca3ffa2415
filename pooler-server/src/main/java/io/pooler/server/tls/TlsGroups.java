package io.pooler.server.tls;

import io.netty.handler.ssl.OpenSslContextOption;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code client_tls_ecdhcurve}: the elliptic curves (TLS "groups") the client side may use for the key
 * exchange. {@code auto}, PgBouncer's default, leaves the engine's choice (X25519, P-256, P-384). A
 * comma- or colon-separated list of curve names, in OpenSSL's or the NIST spelling ({@code prime256v1},
 * {@code secp384r1}, {@code P-521}, {@code X25519}), restricts the key exchange to those, in that
 * order of preference. Only the OpenSSL (BoringSSL) engine can be told this per context; under the JDK
 * engine the value is warned about and the JDK's groups are used. {@code none} (PgBouncer: no ECDHE)
 * would leave TLS 1.3 without a key exchange, as neither engine offers finite-field groups here: it is
 * warned about and the defaults are kept.
 */
final class TlsGroups {
    private static final String KEY = "client_tls_ecdhcurve";
    /** Lower-case names as written to BoringSSL's own names. */
    private static final Map<String, String> NAMES = Map.of(
            "prime256v1", "P-256", "secp256r1", "P-256", "p-256", "P-256",
            "secp384r1", "P-384", "p-384", "P-384",
            "secp521r1", "P-521", "p-521", "P-521",
            "x25519", "X25519");

    private TlsGroups() {
    }

    /** The groups the value names, in order; empty for {@code auto} (the engine's defaults). */
    static List<String> parse(String value, List<String> warnings) throws TlsConfigException {
        String text = value == null ? "" : value.strip();
        if (text.isEmpty() || text.equalsIgnoreCase("auto")) {
            return List.of();
        }
        if (text.equalsIgnoreCase("none")) {
            warnings.add(KEY + " = none: disabling ECDHE is not supported (TLS 1.3 needs it); using the defaults");
            return List.of();
        }
        List<String> groups = new ArrayList<>();
        for (String word : text.split("[:,\\s]+")) {
            if (word.isEmpty()) {
                continue;
            }
            String group = NAMES.get(word.toLowerCase(Locale.ROOT));
            if (group == null) {
                throw new TlsConfigException(KEY + ": unknown or unsupported curve \"" + word
                        + "\" (supported: prime256v1, secp384r1, secp521r1, X25519)");
            }
            if (!groups.contains(group)) {
                groups.add(group);
            }
        }
        return List.copyOf(groups);
    }

    /** Restricts the context to {@code groups}, where the engine allows it. */
    static void apply(SslContextBuilder builder, SslProvider provider, List<String> groups, List<String> warnings) {
        if (groups.isEmpty()) {
            return;
        }
        if (provider == SslProvider.OPENSSL) {
            builder.option(OpenSslContextOption.GROUPS, groups.toArray(String[]::new));
        } else {
            warnings.add(KEY + ": the JDK TLS engine cannot restrict the curves of one context; using its defaults");
        }
    }
}
