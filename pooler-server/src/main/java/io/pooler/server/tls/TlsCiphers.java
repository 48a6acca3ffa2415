package io.pooler.server.tls;

import io.netty.handler.ssl.CipherSuiteConverter;
import io.netty.handler.ssl.CipherSuiteFilter;
import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code client_tls_ciphers} and {@code server_tls_ciphers}: which TLS 1.2 cipher suites may be used. As in
 * PgBouncer, {@code default}, {@code secure}, {@code fast} and {@code normal} all mean the library's secure
 * defaults, {@code all} means everything the engine supports, and TLS 1.3 suites are not affected (they
 * stay at their defaults unless the list names some).
 *
 * <p>A list of suite names (OpenSSL's {@code ECDHE-RSA-AES128-GCM-SHA256} or IANA's
 * {@code TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}, colon- or comma-separated) is honoured. OpenSSL's cipher
 * expressions ({@code HIGH:!aNULL}) need OpenSSL's own parser, which neither engine exposes: such a value
 * gives the secure defaults and a warning, rather than refusing a file PgBouncer would start with.
 *
 * @param requested the suites the value names, in Java's naming; empty for a keyword
 * @param names     what the engine is given: {@code requested} plus TLS 1.3's defaults, or null for its choice
 * @param filter    how Netty narrows {@code names} to what the engine supports
 * @param warning   set when the value could not be honoured as written
 */
record TlsCiphers(List<String> requested, List<String> names, CipherSuiteFilter filter, Optional<String> warning) {
    private static final Set<String> DEFAULT_WORDS = Set.of("default", "secure", "fast", "normal");
    /** What TLS 1.3 offers by default, kept when a list names only TLS 1.2 suites. */
    private static final List<String> TLS13_SUITES =
            List.of("TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256");
    private static final Pattern SUITE_NAME = Pattern.compile("(TLS_|SSL_)[A-Z0-9_]+|[A-Z0-9]+(-[A-Z0-9]+)+");

    static TlsCiphers parse(String key, String value) throws TlsConfigException {
        String text = value == null ? "" : value.strip();
        if (text.isEmpty() || DEFAULT_WORDS.contains(text.toLowerCase(Locale.ROOT))) {
            return defaults(Optional.empty());
        }
        if (text.equalsIgnoreCase("all")) {
            return new TlsCiphers(List.of(), null, IdentityCipherSuiteFilter.INSTANCE_DEFAULTING_TO_SUPPORTED_CIPHERS,
                    Optional.empty());
        }
        List<String> names = new ArrayList<>();
        for (String word : text.split("[:,\\s]+")) {
            if (word.isEmpty()) {
                continue;
            }
            if (!SUITE_NAME.matcher(word).matches()) {
                return defaults(Optional.of(key + " = " + value + ": OpenSSL cipher expressions such as \"" + word
                        + "\" are not supported; using the secure default cipher suites"));
            }
            String java = word.startsWith("TLS_") || word.startsWith("SSL_") ? word : CipherSuiteConverter.toJava(word, "TLS");
            if (java == null) {
                throw new TlsConfigException(key + ": unknown cipher suite \"" + word + "\"");
            }
            names.add(java);
        }
        List<String> requested = List.copyOf(names);
        if (names.stream().noneMatch(TLS13_SUITES::contains)) {
            names.addAll(TLS13_SUITES);
        }
        return new TlsCiphers(requested, List.copyOf(names), SupportedCipherSuiteFilter.INSTANCE, Optional.empty());
    }

    private static TlsCiphers defaults(Optional<String> warning) {
        return new TlsCiphers(List.of(), null, SupportedCipherSuiteFilter.INSTANCE, warning);
    }

    /**
     * After the engine has dropped what it does not support: requested suites it dropped are warned
     * about, and a list of which it supports none is refused, rather than failing every handshake.
     */
    void checkEnabled(String key, List<String> enabled, List<String> warnings) throws TlsConfigException {
        List<String> dropped = requested.stream().filter(name -> !enabled.contains(name)).toList();
        if (!requested.isEmpty() && dropped.size() == requested.size()) {
            throw new TlsConfigException(key + ": the TLS engine supports none of " + String.join(", ", requested));
        }
        if (!dropped.isEmpty()) {
            warnings.add(key + ": not supported by the TLS engine, ignored: " + String.join(", ", dropped));
        }
    }
}
