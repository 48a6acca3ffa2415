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
 * <p>{@code client_tls13_ciphers} and {@code server_tls13_ciphers} ({@link #withTls13}) name the TLS 1.3
 * suites allowed; empty keeps TLS 1.3's defaults.
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
    /** Every TLS 1.3 suite (RFC 8446, B.4), by which a suite is told to be TLS 1.3's. */
    private static final Set<String> ALL_TLS13_SUITES = Set.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_CCM_SHA256", "TLS_AES_128_CCM_8_SHA256");
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

    /**
     * With the TLS 1.3 suites of {@code key} (a colon- or comma-separated list of RFC 8446 names, as
     * OpenSSL's ciphersuites take them): only those are offered or accepted in TLS 1.3; empty changes nothing.
     */
    TlsCiphers withTls13(String key, String value) throws TlsConfigException {
        List<String> tls13 = new ArrayList<>();
        for (String word : (value == null ? "" : value.strip()).split("[:,\\s]+")) {
            if (word.isEmpty()) {
                continue;
            }
            if (!ALL_TLS13_SUITES.contains(word)) {
                throw new TlsConfigException(key + ": unknown TLS 1.3 cipher suite \"" + word + "\"");
            }
            tls13.add(word);
        }
        if (tls13.isEmpty()) {
            return this;
        }
        return new TlsCiphers(withTls13Suites(requested, tls13), names == null ? null : withTls13Suites(names, tls13),
                new Tls13Only(filter, List.copyOf(tls13)), warning);
    }

    /** {@code suites} without their TLS 1.3 suites, followed by {@code tls13}. */
    private static List<String> withTls13Suites(List<String> suites, List<String> tls13) {
        List<String> result = new ArrayList<>(suites.stream().filter(n -> !ALL_TLS13_SUITES.contains(n)).toList());
        result.addAll(tls13);
        return List.copyOf(result);
    }

    /** Whether {@link #withTls13} limited the TLS 1.3 suites (which BoringSSL cannot honour). */
    boolean limitsTls13() {
        return filter instanceof Tls13Only;
    }

    /**
     * Narrows what {@code inner} chose to the allowed TLS 1.3 suites, adding those the engine supports:
     * the engine defaults (a keyword) include every TLS 1.3 suite, and no keyword names only some.
     */
    private record Tls13Only(CipherSuiteFilter inner, List<String> allowed) implements CipherSuiteFilter {
        @Override
        public String[] filterCipherSuites(Iterable<String> ciphers, List<String> defaultCiphers,
                                           Set<String> supportedCiphers) {
            List<String> chosen = new ArrayList<>();
            for (String suite : inner.filterCipherSuites(ciphers, defaultCiphers, supportedCiphers)) {
                if (!ALL_TLS13_SUITES.contains(suite) || allowed.contains(suite)) {
                    chosen.add(suite);
                }
            }
            for (String suite : allowed) {
                if (!chosen.contains(suite) && supportedCiphers.contains(suite)) {
                    chosen.add(suite);
                }
            }
            return chosen.toArray(String[]::new);
        }
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
