package io.pooler.server.it;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A DNS server on 127.0.0.1 (UDP, a free port) under the test's control, built from Netty's DNS codec:
 * A records for the names it is given, an SOA with a settable serial for each zone, NXDOMAIN for other
 * names. Every answer says TTL 3600, which a pooler must ignore in favour of dns_max_ttl. It notes when
 * each name was asked, whatever the answer, so a test can tell an answer a pooler kept from one it asked.
 */
final class TestDnsServer implements AutoCloseable {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Map<String, InetAddress> addresses = new ConcurrentHashMap<>();
    private final Map<String, Long> serials = new ConcurrentHashMap<>();
    private final AtomicInteger aQueries = new AtomicInteger();
    private final AtomicInteger soaQueries = new AtomicInteger();
    /** System.nanoTime() of every question about a name, of any type, answered or not. */
    private final Map<String, List<Long>> askedAt = new ConcurrentHashMap<>();
    private final Channel channel;

    TestDnsServer() throws InterruptedException {
        channel = new Bootstrap().group(group).channel(NioDatagramChannel.class)
                .handler(new ChannelInitializer<NioDatagramChannel>() {
                    @Override
                    protected void initChannel(NioDatagramChannel ch) {
                        ch.pipeline().addLast(new DatagramDnsQueryDecoder(), new DatagramDnsResponseEncoder(), new Answerer());
                    }
                })
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
    }

    int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    /** A resolv.conf line pointing at this server (Netty reads a trailing {@code .port} as the port). */
    String resolvConf() {
        return "nameserver 127.0.0.1." + port() + "\n";
    }

    void set(String name, InetAddress address) {
        addresses.put(fqdn(name), address);
    }

    /** The name no longer exists: NXDOMAIN from now on. */
    void remove(String name) {
        addresses.remove(fqdn(name));
    }

    /** When {@code name} was asked, oldest first (System.nanoTime()). */
    List<Long> askedAt(String name) {
        return List.copyOf(askedAt.getOrDefault(fqdn(name), List.of()));
    }

    void serial(String zone, long serial) {
        serials.put(fqdn(zone), serial);
    }

    int aQueries() {
        return aQueries.get();
    }

    int soaQueries() {
        return soaQueries.get();
    }

    private static String fqdn(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower : lower + ".";
    }

    private final class Answerer extends SimpleChannelInboundHandler<DatagramDnsQuery> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramDnsQuery query) {
            DnsQuestion question = query.recordAt(DnsSection.QUESTION);
            String name = fqdn(question.name());
            askedAt.computeIfAbsent(name, n -> new CopyOnWriteArrayList<>()).add(System.nanoTime());
            DatagramDnsResponse response = new DatagramDnsResponse(query.recipient(), query.sender(), query.id());
            response.setRecursionAvailable(true);
            response.addRecord(DnsSection.QUESTION, question);
            InetAddress address = addresses.get(name);
            Long serial = serials.get(name);
            if (question.type() == DnsRecordType.A && address != null) {
                aQueries.incrementAndGet();
                response.addRecord(DnsSection.ANSWER, new DefaultDnsRawRecord(question.name(), DnsRecordType.A, 3600,
                        Unpooled.wrappedBuffer(address.getAddress())));
            } else if (question.type() == DnsRecordType.SOA && serial != null) {
                soaQueries.incrementAndGet();
                response.addRecord(DnsSection.ANSWER, new DefaultDnsRawRecord(question.name(), DnsRecordType.SOA, 3600,
                        soa(serial)));
            } else if (address == null && serial == null) {
                response.setCode(DnsResponseCode.NXDOMAIN);
            } // else: the name exists, with no record of that type (AAAA): an empty NOERROR answer
            ctx.writeAndFlush(response);
        }

        /** SOA RDATA: MNAME ns.test., RNAME admin.test., then serial, refresh, retry, expire, minimum. */
        private ByteBuf soa(long serial) {
            ByteBuf rdata = Unpooled.buffer();
            for (String label : new String[] {"ns", "test", "", "admin", "test", ""}) {
                rdata.writeByte(label.length());
                rdata.writeCharSequence(label, StandardCharsets.US_ASCII);
            }
            rdata.writeInt((int) serial).writeInt(3600).writeInt(600).writeInt(86400).writeInt(60);
            return rdata;
        }
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.MILLISECONDS).syncUninterruptibly();
    }
}
