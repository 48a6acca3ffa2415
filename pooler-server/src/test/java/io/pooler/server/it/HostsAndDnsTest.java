package io.pooler.server.it;

import io.pooler.testing.Await;
import io.pooler.testing.PostgresInstance;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.pooler.server.it.AdminRows.rows;
import static io.pooler.server.it.LoginTest.queryString;
import static io.pooler.server.it.TestRoles.DB;
import static io.pooler.server.it.TestRoles.SCRAM_PASSWORD;
import static io.pooler.server.it.TestRoles.SCRAM_USER;
import static io.pooler.testing.Await.quietly;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Failover without a restart: a host list whose first host is dead (PgBouncer 1.24+ {@code host=a,b} with
 * {@code load_balance_hosts}), and a DNS name that moves to another address (the DNS cache, with
 * {@code dns_max_ttl} and {@code dns_zone_check_period}), served by a DNS server the test controls;
 * and a name that does not resolve, a failure kept for {@code dns_nxdomain_ttl}.
 */
@PoolerTest
class HostsAndDnsTest {
    private static final String NAME = "db.pooler.test";
    private static final InetAddress FIRST = address("127.0.0.1");
    private static final InetAddress SECOND = address("127.0.0.2");
    /** dns_nxdomain_ttl of the failed-name tests: long enough for a login within it, short for the test. */
    private static final Duration NXDOMAIN_TTL = Duration.ofSeconds(2);

    private final PostgresInstance pg;
    private final PoolerFixture pooler;

    HostsAndDnsTest(PostgresInstance pg, PoolerFixture pooler) {
        this.pg = pg;
        this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD).set("admin_users", SCRAM_USER)
                .set("default_pool_size", "10");
    }

    @Test
    void aDeadFirstHostIsSkippedWithinServerConnectTimeout() throws Exception {
        // PostgreSQL listens on 127.0.0.1 only: 127.0.0.2 refuses the connection.
        String hosts = "host=127.0.0.2," + pg.host() + " port=" + pg.port() + " dbname=" + DB;
        pooler.set("server_connect_timeout", "5")
                .database("rr", hosts)
                .database("sticky", hosts + " load_balance_hosts=disable")
                .start();
        for (String db : List.of("rr", "sticky")) {
            List<Connection> held = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) { // held open: each needs a server connection of its own
                    long start = System.nanoTime();
                    Connection c = pooler.connect(db, SCRAM_USER, SCRAM_PASSWORD);
                    held.add(c);
                    assertEquals("127.0.0.1", queryString(c, "select host(inet_server_addr())"));
                    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                    assertTrue(millis < 5000, db + " connection " + i + " took " + millis + " ms");
                }
            } finally {
                for (Connection c : held) {
                    c.close();
                }
            }
        }
        try (Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD)) {
            Map<String, Map<String, String>> dbs = new java.util.HashMap<>();
            rows(admin, "SHOW DATABASES").forEach(r -> dbs.put(r.get("name"), r));
            assertEquals("127.0.0.2,127.0.0.1", dbs.get("rr").get("host"));
            assertEquals("round-robin", dbs.get("rr").get("load_balance_hosts"));
            assertEquals("disable", dbs.get("sticky").get("load_balance_hosts"));
            assertEquals(null, dbs.get(DB) == null ? null : dbs.get(DB).get("load_balance_hosts"),
                    "a single host shows no load_balance_hosts");
        }
    }

    @Test
    void newServerConnectionsFollowAMovedNameWithinDnsMaxTtl() throws Exception {
        try (TestDnsServer dns = new TestDnsServer();
             TcpRelay secondAddress = new TcpRelay(SECOND, pg.port(), FIRST, pg.port())) {
            dns.set(NAME, FIRST);
            Files.writeString(pooler.dir().resolve("resolv.conf"), dns.resolvConf());
            Duration deadline = Duration.ofSeconds(10);
            pooler.set("resolv_conf", "resolv.conf").set("dns_max_ttl", "1")
                    .set("default_pool_size", String.valueOf(probesWithin(deadline) + 2))
                    .database("moving", "host=" + NAME + " port=" + pg.port() + " dbname=" + DB)
                    .start();
            try (Connection running = pooler.connect("moving", SCRAM_USER, SCRAM_PASSWORD);
                 Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD)) {
                assertEquals(0, secondAddress.accepted(), "connected to the first address");
                AtomicBoolean stop = new AtomicBoolean();
                AtomicInteger queries = new AtomicInteger();
                CompletableFuture<Void> client = keepQuerying(running, stop, queries);
                Await.until(Duration.ofSeconds(10), () -> queries.get() > 5, "the running client runs");

                dns.set(NAME, SECOND); // the failover moves the name
                long moved = System.nanoTime();
                List<Connection> fresh = new ArrayList<>();
                try {
                    Await.until(deadline, quietly(() -> {
                        Connection c = pacedConnect();
                        fresh.add(c); // kept open, so the next one needs a new server connection too
                        queryString(c, "select 1");
                        return secondAddress.accepted() > 0;
                    }), "a new server connection went to the moved name's new address");
                    long followedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - moved);
                    System.out.println("HostsAndDnsTest: new server connections followed the name in "
                            + followedMillis + " ms (dns_max_ttl = 1 s)");
                    assertTrue(followedMillis < 3000, "followed in " + followedMillis + " ms");

                    Map<String, String> host = rows(admin, "SHOW DNS_HOSTS").stream()
                            .filter(r -> r.get("hostname").equals(NAME)).findFirst().orElseThrow();
                    assertEquals("127.0.0.2:0", host.get("addrs"));
                    assertTrue(Long.parseLong(host.get("ttl")) <= 1, host.toString());
                    assertEquals(List.of(Map.of("zonename", "pooler.test", "serial", "0", "count", "1")),
                            rows(admin, "SHOW DNS_ZONES"));
                    // The running client's server is still on the old address: it closes when released.
                    for (Map<String, String> server : rows(admin, "SHOW SERVERS")) {
                        String expected = server.get("addr").equals("127.0.0.1") ? "1" : "0";
                        assertEquals(expected, server.get("close_needed"), server.toString());
                    }
                } finally {
                    stop.set(true);
                    client.get(30, TimeUnit.SECONDS);
                    for (Connection c : fresh) {
                        c.close();
                    }
                }
                assertTrue(queries.get() > 5, "the running client was never interrupted");
            }
        }
    }

    @Test
    void aChangedZoneSerialLooksTheNameUpBeforeItsTtlEnds() throws Exception {
        try (TestDnsServer dns = new TestDnsServer();
             TcpRelay secondAddress = new TcpRelay(SECOND, pg.port(), FIRST, pg.port())) {
            dns.set(NAME, FIRST);
            dns.serial("pooler.test", 7);
            Files.writeString(pooler.dir().resolve("resolv.conf"), dns.resolvConf());
            Duration deadline = Duration.ofSeconds(15);
            pooler.set("resolv_conf", "resolv.conf").set("dns_max_ttl", "600").set("dns_zone_check_period", "1")
                    .set("default_pool_size", String.valueOf(probesWithin(deadline) + 2))
                    .database("moving", "host=" + NAME + " port=" + pg.port() + " dbname=" + DB)
                    .start();
            List<Connection> held = new ArrayList<>();
            try (Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD)) {
                held.add(pooler.connect("moving", SCRAM_USER, SCRAM_PASSWORD));
                Await.until(Duration.ofSeconds(10), quietly(() -> "7".equals(rows(admin, "SHOW DNS_ZONES").get(0).get("serial"))),
                        "the zone's serial was read");
                // NOTE: the first serial seen (0 -> 7) looks the name up again too; were that lookup still out
                // when the test moves the name, it would bring the new address before the zone check sees 8.
                Await.until(Duration.ofSeconds(10), quietly(() -> rows(admin, "SHOW LISTS").stream()
                        .anyMatch(r -> r.get("list").equals("dns_queries") && r.get("items").equals("0"))),
                        "the lookup the first serial started was answered");

                dns.set(NAME, SECOND);
                dns.serial("pooler.test", 8);
                Await.until(deadline, quietly(() -> {
                    Connection c = pacedConnect();
                    held.add(c);
                    queryString(c, "select 1");
                    return secondAddress.accepted() > 0;
                }), "the new serial made the name be looked up again, long before dns_max_ttl");
                assertEquals("8", rows(admin, "SHOW DNS_ZONES").get(0).get("serial"));
            } finally {
                for (Connection c : held) {
                    c.close();
                }
            }
        }
    }

    @Test
    void aNameThatDoesNotResolveFailsTheLoginAndIsShownWithNoAddress() throws Exception {
        try (TestDnsServer dns = new TestDnsServer()) {
            Files.writeString(pooler.dir().resolve("resolv.conf"), dns.resolvConf());
            pooler.set("resolv_conf", "resolv.conf").set("server_login_retry", "1")
                    .database("nowhere", "host=nowhere.pooler.test port=" + pg.port() + " dbname=" + DB)
                    .database("rescued", "host=nowhere.pooler.test," + pg.host() + " port=" + pg.port() + " dbname=" + DB)
                    .set("query_wait_timeout", "3")
                    .start();
            SQLException e = org.junit.jupiter.api.Assertions.assertThrows(SQLException.class, () -> {
                try (Connection c = pooler.connect("nowhere", SCRAM_USER, SCRAM_PASSWORD)) {
                    queryString(c, "select 1");
                }
            });
            assertEquals("08006", e.getSQLState(), e.getMessage());
            assertTrue(e.getMessage().contains("server connection failed: nowhere.pooler.test"), e.getMessage());
            try (Connection c = pooler.connect("rescued", SCRAM_USER, SCRAM_PASSWORD)) {
                assertEquals("1", queryString(c, "select 1"), "the next host of the list is used");
            }
            try (Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD)) {
                Map<String, String> row = rows(admin, "SHOW DNS_HOSTS").get(0);
                assertEquals("nowhere.pooler.test", row.get("hostname"));
                assertEquals("", row.get("addrs") == null ? "" : row.get("addrs"));
            }
        }
    }

    @Test
    void anNxdomainAnswerIsKeptForDnsNxdomainTtlThenTheNameIsAskedAgain() throws Exception {
        try (TestDnsServer dns = new TestDnsServer()) {
            startWithFailedNamesKept(dns);
            assertLoginFails(); // NXDOMAIN: the name is unknown yet
            assertFailureKeptForNxdomainTtlThenAskedAgain(dns);
        }
    }

    /**
     * PgBouncer's got_result_gai keeps any failed lookup for dns_nxdomain_ttl, a name that resolved before
     * included: its old addresses are not used meanwhile.
     */
    @Test
    void aNameThatStopsResolvingIsKeptAsFailedForDnsNxdomainTtl() throws Exception {
        try (TestDnsServer dns = new TestDnsServer()) {
            dns.set(NAME, FIRST);
            // server_idle_timeout 2 > dns_max_ttl 1: once the idle server is gone, the answer it used is old.
            pooler.set("dns_max_ttl", "1").set("server_idle_timeout", "2");
            startWithFailedNamesKept(dns);
            try (Connection c = pooler.connect("later", SCRAM_USER, SCRAM_PASSWORD)) {
                assertEquals("1", queryString(c, "select 1"));
            }
            dns.remove(NAME); // the name stops resolving
            try (Connection admin = pooler.connectSimple("pgbouncer", SCRAM_USER, SCRAM_PASSWORD)) {
                Await.until(Duration.ofSeconds(10), quietly(() -> rows(admin, "SHOW SERVERS").isEmpty()),
                        "the idle server closed after server_idle_timeout");
            }
            int askedBefore = dns.askedAt(NAME).size();
            assertLoginFails(); // the next server connection looks the name up again: NXDOMAIN
            assertTrue(dns.askedAt(NAME).size() > askedBefore, "the name was asked again after dns_max_ttl");
            assertFailureKeptForNxdomainTtlThenAskedAgain(dns);
        }
    }

    /**
     * A pooler asking {@code dns} that keeps failed names for {@link #NXDOMAIN_TTL}, with database
     * {@code later} on {@link #NAME}; a failed server login is retried after 0.2 s (server_login_retry), so
     * that a login soon after a failure looks the name up again rather than being refused for the failure.
     */
    private void startWithFailedNamesKept(TestDnsServer dns) throws Exception {
        Files.writeString(pooler.dir().resolve("resolv.conf"), dns.resolvConf());
        pooler.set("resolv_conf", "resolv.conf")
                .set("dns_nxdomain_ttl", String.valueOf(NXDOMAIN_TTL.toSeconds()))
                .set("server_login_retry", "0.2")
                .database("later", "host=" + NAME + " port=" + pg.port() + " dbname=" + DB)
                .start();
    }

    /**
     * Just after {@link #NAME} was answered NXDOMAIN: the DNS server learns the name, yet within
     * dns_nxdomain_ttl a login still fails and the name is not asked; after it, the name is asked again
     * (not before the TTL has passed) and a login works.
     */
    private void assertFailureKeptForNxdomainTtlThenAskedAgain(TestDnsServer dns) throws Exception {
        List<Long> failedAsks = dns.askedAt(NAME);
        long nxdomainAt = failedAsks.get(failedAsks.size() - 1);
        dns.set(NAME, FIRST);

        Thread.sleep(300); // past server_login_retry (0.2 s), so the next login launches a server connection
        assertLoginFails();
        long sinceNxdomain = System.nanoTime() - nxdomainAt;
        assertTrue(sinceNxdomain < NXDOMAIN_TTL.toNanos(), "the login came within dns_nxdomain_ttl, after "
                + TimeUnit.NANOSECONDS.toMillis(sinceNxdomain) + " ms (a machine this slow proves nothing here)");
        assertEquals(failedAsks, dns.askedAt(NAME), "the name was not asked again within dns_nxdomain_ttl");

        Await.until(NXDOMAIN_TTL.plusSeconds(8), quietly(() -> {
            try (Connection c = pooler.connect("later", SCRAM_USER, SCRAM_PASSWORD)) {
                return "1".equals(queryString(c, "select 1"));
            }
        }), "a login works once dns_nxdomain_ttl has passed");
        List<Long> asks = dns.askedAt(NAME);
        assertTrue(asks.size() > failedAsks.size(), "the name was asked again");
        long askedAgainAfter = asks.get(failedAsks.size()) - nxdomainAt;
        // Not before the TTL; and soon after it, with logins tried all along (not kept as long as dns_max_ttl).
        long askedAgainMillis = TimeUnit.NANOSECONDS.toMillis(askedAgainAfter);
        assertTrue(askedAgainAfter >= NXDOMAIN_TTL.toNanos()
                && askedAgainAfter < NXDOMAIN_TTL.plusSeconds(3).toNanos(),
                "asked again " + askedAgainMillis + " ms after the NXDOMAIN (dns_nxdomain_ttl = 2 s)");
    }

    /** A login to {@code later} fails as its server connection cannot be made. */
    private void assertLoginFails() {
        SQLException e = org.junit.jupiter.api.Assertions.assertThrows(SQLException.class, () -> {
            try (Connection c = pooler.connect("later", SCRAM_USER, SCRAM_PASSWORD)) {
                queryString(c, "select 1");
            }
        });
        assertEquals("08006", e.getSQLState(), e.getMessage());
        assertTrue(e.getMessage().contains("server connection failed: " + NAME), e.getMessage());
    }

    /**
     * The probes of the moved-name tests stay open, so each needs a server connection of its own: unpaced,
     * a quiet machine logs in a probe every ~60 ms and fills a pool of 10 before the name's TTL or the next
     * zone check, and the next probe then waits for a server that never comes. Paced, the pool sized by
     * {@link #probesWithin} outlasts the deadline however fast the machine is.
     */
    private static final long PROBE_PACE_MILLIS = 250;

    private static int probesWithin(Duration deadline) {
        return (int) (deadline.toMillis() / PROBE_PACE_MILLIS) + 1;
    }

    private Connection pacedConnect() throws Exception {
        Thread.sleep(PROBE_PACE_MILLIS); // the pace between probes, part of what the test sets up
        return pooler.connect("moving", SCRAM_USER, SCRAM_PASSWORD);
    }

    private static CompletableFuture<Void> keepQuerying(Connection c, AtomicBoolean stop, AtomicInteger queries) {
        return CompletableFuture.runAsync(() -> {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); // bounded even if never stopped
            try {
                while (!stop.get() && System.nanoTime() < deadline) {
                    assertEquals("1", queryString(c, "select 1"));
                    queries.incrementAndGet();
                    Thread.sleep(20); // the pace of the running client's load loop
                }
            } catch (Exception e) {
                throw new AssertionError("the running client failed", e);
            }
        });
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
