package io.pooler.bench.load;

/** Where a client connects and as whom: a TCP address, a database and a role. */
public record Endpoint(String host, int port, String database, Credentials credentials) {
}
