package io.pooler.server;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code listen_addr} as the addresses to bind: a comma-separated list of numeric IPv4/IPv6 addresses
 * and host names (every address a name resolves to, as PgBouncer does), {@code *} for all.
 *
 * <p>{@code *} binds {@code ::}, which on Linux (net.ipv6.bindv6only = 0, the default) also accepts
 * IPv4 clients, who then show as IPv4 addresses; where IPv6 is off, the server falls back to
 * {@code 0.0.0.0} (see {@link #IPV4_ANY}).
 */
final class ListenAddresses {
    static final String ALL = "*";
    static final String IPV6_ANY = "::";
    static final String IPV4_ANY = "0.0.0.0";

    private ListenAddresses() {
    }

    /** The entries of {@code listenAddr} in order, with {@code *} kept as is; empty when TCP is off. */
    static List<String> entries(String listenAddr) {
        List<String> entries = new ArrayList<>();
        if (listenAddr == null) {
            return entries;
        }
        for (String part : listenAddr.split(",")) {
            String entry = part.trim();
            if (!entry.isEmpty() && !entries.contains(entry)) {
                entries.add(entry);
            }
        }
        return entries;
    }

    /** The addresses one entry stands for; {@code *} stands for {@link #IPV6_ANY}. */
    static Set<InetAddress> resolve(String entry) throws UnknownHostException {
        String host = entry.equals(ALL) ? IPV6_ANY : entry;
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new LinkedHashSet<>(List.of(InetAddress.getAllByName(host)));
    }
}
