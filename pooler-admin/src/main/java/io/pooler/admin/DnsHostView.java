package io.pooler.admin;

/**
 * One cached host name, as SHOW DNS_HOSTS lists it: seconds left before it is looked up again, and its
 * addresses in PgBouncer's {@code sa2str} form ({@code 10.0.0.5:0,[fd00::5]:0}).
 */
public record DnsHostView(String hostname, long ttlSeconds, String addrs) {
}
