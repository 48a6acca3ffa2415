package io.pooler.server.dns;

import io.netty.buffer.ByteBuf;
import io.netty.channel.AddressedEnvelope;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.resolver.dns.DnsNameResolver;
import java.util.function.Supplier;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Asks for the SOA serial of each zone in turn, one query at a time as PgBouncer does, and reports each
 * answer (null when there was none). Owned by the resolver's loop, like {@link DnsCache}.
 */
final class ZoneChecker {
    private final Supplier<DnsNameResolver> resolver;
    private boolean busy;

    ZoneChecker(Supplier<DnsNameResolver> resolver) {
        this.resolver = resolver;
    }

    boolean busy() {
        return busy;
    }

    void check(List<DnsCache.Zone> zones, BiConsumer<DnsCache.Zone, Long> answered) {
        busy = true;
        next(zones, 0, answered);
    }

    private void next(List<DnsCache.Zone> zones, int index, BiConsumer<DnsCache.Zone, Long> answered) {
        if (index == zones.size()) {
            busy = false;
            return;
        }
        DnsCache.Zone zone = zones.get(index);
        resolver.get().query(new DefaultDnsQuestion(zone.name, DnsRecordType.SOA)).addListener(f -> {
            Long serial = null;
            if (f.isSuccess()) {
                @SuppressWarnings("unchecked")
                AddressedEnvelope<DnsResponse, InetSocketAddress> envelope =
                        (AddressedEnvelope<DnsResponse, InetSocketAddress>) f.getNow();
                try {
                    serial = serial(envelope.content());
                } finally {
                    envelope.release();
                }
            }
            answered.accept(zone, serial);
            next(zones, index + 1, answered);
        });
    }

    /** The serial of the first SOA record of the answer, or null. */
    static Long serial(DnsResponse response) {
        int count = response.count(DnsSection.ANSWER);
        for (int i = 0; i < count; i++) {
            DnsRecord record = response.recordAt(DnsSection.ANSWER, i);
            if (record.type() == DnsRecordType.SOA && record instanceof DnsRawRecord raw) {
                return soaSerial(raw.content());
            }
        }
        return null;
    }

    /**
     * SOA RDATA is MNAME, RNAME, then SERIAL (RFC 1035 3.3.13). A name ends at a zero-length label or at a
     * compression pointer, so both are skipped without following a pointer. Null when the data is short.
     */
    static Long soaSerial(ByteBuf rdata) {
        int at = rdata.readerIndex();
        int end = rdata.writerIndex();
        for (int name = 0; name < 2; name++) {
            at = skipName(rdata, at, end);
            if (at < 0) {
                return null;
            }
        }
        return at + 4 <= end ? rdata.getUnsignedInt(at) : null;
    }

    private static int skipName(ByteBuf buf, int at, int end) {
        while (at < end) {
            int len = buf.getUnsignedByte(at);
            if ((len & 0xC0) == 0xC0) {
                return at + 2 <= end ? at + 2 : -1; // a pointer ends the name
            }
            if (len == 0) {
                return at + 1;
            }
            at += 1 + len;
        }
        return -1;
    }
}
