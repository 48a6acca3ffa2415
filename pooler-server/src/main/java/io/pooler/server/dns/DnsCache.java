package io.pooler.server.dns;

import io.netty.channel.EventLoop;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import io.pooler.config.Settings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * PgBouncer's DNS cache ({@code src/dnslookup.c}) on Netty's asynchronous resolver: host names of
 * {@code [databases]} and {@code [peers]} are looked up without blocking an event loop, and an answer is
 * kept for {@code dns_max_ttl} (the record's own TTL is ignored, as PgBouncer ignores it), a failure for
 * {@code dns_nxdomain_ttl}. A name with several addresses hands them out in turn. When a new answer lacks
 * an address the old one had (a failover moved the name), {@code addressGone} is told, so the servers
 * connected to it are closed as they are released; new connections already use the new answer.
 *
 * <p>Zones ({@code dns_zone_check_period}): every name is filed under its zone (what follows its first
 * dot); when the period is set, each zone's SOA serial is asked for in turn, and a serial that went up
 * looks up again every name of the zone at once.
 *
 * <p>Threads: every field is owned by {@link #loop}; {@link #resolve} may be called from any thread and
 * completes on that loop. The console reads {@link #hosts()} and {@link #zones()}, which are snapshots
 * republished by the loop after each change.
 */
public final class DnsCache {
    private static final Logger log = LoggerFactory.getLogger(DnsCache.class);
    /** How often the zone timer looks whether a check is due; the period itself is read live. */
    private static final long ZONE_TICK_MILLIS = 1000;

    private final EventLoop loop;
    /**
     * Built on the first lookup of a name, on the cache's loop: a config of address literals only never
     * reads the system's name servers (Netty warns when it finds none, as in a minimal container).
     */
    private final Supplier<DnsNameResolver> resolverFactory;
    private DnsNameResolver resolver;
    private final Supplier<Settings> settings;
    private final BiConsumer<String, InetAddress> addressGone;
    private final ZoneChecker zoneChecker;
    private final Map<String, HostEntry> hosts = new TreeMap<>();
    private final Map<String, Zone> zones = new TreeMap<>();
    private int queriesInFlight;
    private long lastZoneCheckNanos = System.nanoTime();
    private ScheduledFuture<?> zoneTimer;

    private volatile List<DnsHostRow> hostRows = List.of();
    private volatile List<DnsZoneRow> zoneRows = List.of();
    private volatile int queriesShown;

    /** One row of SHOW DNS_HOSTS; {@code expiresNanos} is turned into seconds left when shown. */
    public record DnsHostRow(String hostname, long expiresNanos, String addrs) {
        public long ttlSeconds(long nowNanos) {
            return Math.max(0, TimeUnit.NANOSECONDS.toSeconds(expiresNanos - nowNanos));
        }
    }

    /** One row of SHOW DNS_ZONES. */
    public record DnsZoneRow(String zonename, long serial, int count) {
    }

    public DnsCache(EventLoop loop, Supplier<DnsNameResolver> resolverFactory, Supplier<Settings> settings,
                    BiConsumer<String, InetAddress> addressGone) {
        this.loop = loop;
        this.resolverFactory = resolverFactory;
        this.settings = settings;
        this.addressGone = addressGone;
        this.zoneChecker = new ZoneChecker(this::resolver);
        this.zoneTimer = loop.scheduleAtFixedRate(this::zoneTick, ZONE_TICK_MILLIS, ZONE_TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * One address of {@code host}: at once for an address literal, else from the cache or a lookup. Fails
     * with {@link UnknownHostException} when the name does not resolve (cached as such for dns_nxdomain_ttl).
     * Any thread; the future completes on the cache's loop.
     */
    public Future<InetAddress> resolve(String host) {
        byte[] literal = NetUtil.createByteArrayFromIpAddressString(host);
        if (literal != null) {
            try {
                return loop.newSucceededFuture(InetAddress.getByAddress(host, literal));
            } catch (UnknownHostException e) {
                return loop.newFailedFuture(e); // cannot happen: the length is that of an address
            }
        }
        Promise<InetAddress> answer = loop.newPromise();
        if (loop.inEventLoop()) {
            lookup(host, answer);
        } else {
            loop.execute(() -> lookup(host, answer));
        }
        return answer;
    }

    /** SHOW DNS_HOSTS, in name order. Any thread. */
    public List<DnsHostRow> hosts() {
        return hostRows;
    }

    /** SHOW DNS_ZONES, in name order. Any thread. */
    public List<DnsZoneRow> zones() {
        return zoneRows;
    }

    /** Lookups under way (SHOW LISTS dns_queries). Any thread. */
    public int queriesInFlight() {
        return queriesShown;
    }

    private DnsNameResolver resolver() {
        if (resolver == null) {
            resolver = resolverFactory.get();
        }
        return resolver;
    }

    /** Stops the zone timer and closes the resolver's socket. Any thread. */
    public void close() {
        loop.execute(() -> {
            if (zoneTimer != null) {
                zoneTimer.cancel(false);
                zoneTimer = null;
            }
            if (resolver != null) {
                resolver.close();
            }
        });
    }

    // ---- on the loop ----

    private void lookup(String name, Promise<InetAddress> answer) {
        HostEntry entry = hosts.get(name);
        if (entry == null) {
            entry = new HostEntry(name);
            hosts.put(name, entry);
            fileUnderZone(entry);
        }
        entry.waiting.add(answer);
        if (entry.querying) {
            return; // the lookup under way answers everyone
        }
        if (entry.answered && System.nanoTime() - entry.expiresNanos < 0) {
            deliver(entry);
        } else {
            launch(entry);
        }
    }

    private void launch(HostEntry entry) {
        entry.querying = true;
        queriesInFlight++;
        publish();
        resolver().resolveAll(entry.name).addListener(f -> {
            @SuppressWarnings("unchecked")
            List<InetAddress> found = f.isSuccess() ? (List<InetAddress>) f.getNow() : List.of();
            answered(entry, found, f.cause());
        });
    }

    private void answered(HostEntry entry, List<InetAddress> found, Throwable cause) {
        queriesInFlight--;
        entry.querying = false;
        entry.answered = true;
        Settings s = settings.get();
        List<InetAddress> before = entry.addresses;
        if (!found.isEmpty()) {
            entry.addresses = List.copyOf(found);
            entry.failure = null;
            entry.expiresNanos = System.nanoTime() + s.dnsMaxTtl().toNanos();
            entry.next = 0;
            for (InetAddress old : before) {
                if (!entry.addresses.contains(old)) {
                    log.info("DNS: {} no longer resolves to {}: its server connections close when released",
                            entry.name, old.getHostAddress());
                    addressGone.accept(entry.name, old);
                }
            }
            if (!before.equals(entry.addresses)) {
                log.debug("DNS: {} = {}", entry.name, entry.addresses);
            }
        } else {
            // PgBouncer keeps nothing of a failed name: connections to it fail until it resolves again.
            entry.addresses = List.of();
            entry.failure = cause != null ? cause : new UnknownHostException(entry.name);
            entry.expiresNanos = System.nanoTime() + s.dnsNxdomainTtl().toNanos();
            log.warn("DNS lookup failed: {}: {}", entry.name, entry.failure.getMessage());
        }
        deliver(entry);
        publish();
    }

    /** Answers everyone waiting for the name, giving each the next address in turn. */
    private void deliver(HostEntry entry) {
        Promise<InetAddress> waiter;
        while ((waiter = entry.waiting.poll()) != null) {
            if (entry.addresses.isEmpty()) {
                UnknownHostException e = new UnknownHostException(entry.name + ": "
                        + (entry.failure == null ? "no address" : entry.failure.getMessage()));
                waiter.tryFailure(e);
            } else {
                InetAddress address = entry.addresses.get(entry.next % entry.addresses.size());
                entry.next = (entry.next + 1) % entry.addresses.size();
                waiter.trySuccess(address);
            }
        }
    }

    private void fileUnderZone(HostEntry entry) {
        int dot = entry.name.indexOf('.');
        if (dot < 0 || dot == entry.name.length() - 1) {
            return; // no zone, as PgBouncer's zone_register
        }
        String zoneName = entry.name.substring(dot + 1);
        zones.computeIfAbsent(zoneName, Zone::new).hosts.add(entry);
    }

    /**
     * The zone timer's task. Netty never runs again a periodic task that threw, and the zones would then
     * stop being checked for good; so a tick that fails is logged and the next one runs as usual.
     */
    private void zoneTick() {
        try {
            checkZonesIfDue();
        } catch (RuntimeException e) {
            log.error("DNS zone check failed; the next one runs as usual", e);
        }
    }

    private void checkZonesIfDue() {
        Duration period = settings.get().dnsZoneCheckPeriod();
        if (period.isZero() || zones.isEmpty() || zoneChecker.busy()
                || !zoneCheckDue(System.nanoTime() - lastZoneCheckNanos, period)) {
            return;
        }
        lastZoneCheckNanos = System.nanoTime();
        List<Zone> all = new ArrayList<>(zones.values());
        queriesInFlight += all.size();
        publish();
        zoneChecker.check(all, (zone, serial) -> {
            queriesInFlight--;
            if (serial != null) {
                serialAnswered(zone, serial);
            }
            publish();
        });
    }

    /**
     * Whether a zone check is due {@code sinceLastNanos} after the last one. The tick runs at a fixed rate
     * but {@link #lastZoneCheckNanos} is read when the tick actually ran, a little after its due time, so the
     * next tick finds a bit less than one tick gone: without half a tick of slack a period of N ticks would
     * check only every N+1 ticks (dns_zone_check_period = 1 checked every 2 s).
     */
    static boolean zoneCheckDue(long sinceLastNanos, Duration period) {
        return sinceLastNanos >= period.toNanos() - TimeUnit.MILLISECONDS.toNanos(ZONE_TICK_MILLIS) / 2;
    }

    private void serialAnswered(Zone zone, long serial) {
        // Serial arithmetic (RFC 1982), as PgBouncer's got_zone_serial: "greater" across the wrap too.
        int ds = (int) serial - (int) zone.serial;
        if (ds > 0) {
            log.info("zone '{}' serial changed: old={} new={}", zone.name, zone.serial, serial);
            zone.serial = serial;
            for (HostEntry host : zone.hosts) {
                if (host.answered && !host.querying) {
                    launch(host);
                }
            }
        } else {
            log.debug("zone '{}' unchanged: serial={}", zone.name, serial);
        }
    }

    private void publish() {
        List<DnsHostRow> rows = new ArrayList<>(hosts.size());
        for (HostEntry e : hosts.values()) {
            rows.add(new DnsHostRow(e.name, e.answered ? e.expiresNanos : System.nanoTime(), e.addrs()));
        }
        List<DnsZoneRow> zoneList = new ArrayList<>(zones.size());
        for (Zone z : zones.values()) {
            zoneList.add(new DnsZoneRow(z.name, z.serial, z.hosts.size()));
        }
        hostRows = List.copyOf(rows);
        zoneRows = List.copyOf(zoneList);
        queriesShown = queriesInFlight;
    }

    /** A cached name. Owned by the cache's loop. */
    private static final class HostEntry {
        final String name;
        final java.util.ArrayDeque<Promise<InetAddress>> waiting = new java.util.ArrayDeque<>();
        List<InetAddress> addresses = List.of();
        Throwable failure;
        long expiresNanos;
        boolean answered;
        boolean querying;
        int next;

        HostEntry(String name) {
            this.name = name;
        }

        /** PgBouncer's {@code sa2str} of each address: the port is 0, as in a DNS answer. */
        String addrs() {
            StringBuilder sb = new StringBuilder();
            for (InetAddress a : addresses) {
                if (sb.length() > 0) {
                    sb.append(',');
                }
                String ip = NetUtil.toAddressString(a);
                sb.append(a instanceof java.net.Inet6Address ? "[" + ip + "]" : ip).append(":0");
            }
            return sb.toString();
        }
    }

    /** The names under one zone, and the last serial seen. Owned by the cache's loop. */
    static final class Zone {
        final String name;
        final List<HostEntry> hosts = new ArrayList<>();
        long serial;

        Zone(String name) {
            this.name = name;
        }
    }
}
