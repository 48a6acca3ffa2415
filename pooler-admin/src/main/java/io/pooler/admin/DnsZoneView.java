package io.pooler.admin;

/** One DNS zone, as SHOW DNS_ZONES lists it: its last SOA serial (0 until checked) and how many names it holds. */
public record DnsZoneView(String zonename, long serial, int count) {
}
