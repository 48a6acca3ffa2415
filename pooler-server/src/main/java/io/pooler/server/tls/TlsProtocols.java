package io.pooler.server.tls;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code client_tls_protocols} and {@code server_tls_protocols} as PgBouncer (libtls) reads them: names
 * separated by commas or colons, each {@code tlsv1.0}, {@code tlsv1.1}, {@code tlsv1.2}, {@code tlsv1.3},
 * {@code tlsv1} (all four), or a shortcut: {@code secure} and {@code default} (1.2 and 1.3), {@code all} and
 * {@code legacy} (all four). A leading {@code !} or {@code -} removes versions instead.
 */
final class TlsProtocols {
    private static final List<String> ALL = List.of("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3");
    private static final List<String> SECURE = List.of("TLSv1.2", "TLSv1.3");

    private TlsProtocols() {
    }

    /** The JDK names of the allowed versions, oldest first. */
    static List<String> parse(String key, String value) throws TlsConfigException {
        if (value == null || value.isBlank()) {
            return SECURE;
        }
        Set<String> chosen = new LinkedHashSet<>();
        for (String word : value.split("[,:\\s]+")) {
            if (word.isEmpty()) {
                continue;
            }
            boolean remove = word.startsWith("!") || word.startsWith("-");
            List<String> versions = versions(key, (remove ? word.substring(1) : word).toLowerCase(Locale.ROOT));
            if (remove) {
                versions.forEach(chosen::remove);
            } else {
                chosen.addAll(versions);
            }
        }
        if (chosen.isEmpty()) {
            throw new TlsConfigException(key + " = " + value + ": no TLS version left");
        }
        return ALL.stream().filter(chosen::contains).toList();
    }

    private static List<String> versions(String key, String word) throws TlsConfigException {
        return switch (word) {
            case "secure", "default" -> SECURE;
            case "all", "legacy", "tlsv1" -> ALL;
            case "tlsv1.0" -> List.of("TLSv1");
            case "tlsv1.1" -> List.of("TLSv1.1");
            case "tlsv1.2" -> List.of("TLSv1.2");
            case "tlsv1.3" -> List.of("TLSv1.3");
            default -> throw new TlsConfigException(key + ": unknown TLS protocol \"" + word
                    + "\" (expected tlsv1.0, tlsv1.1, tlsv1.2, tlsv1.3, secure or all)");
        };
    }
}
