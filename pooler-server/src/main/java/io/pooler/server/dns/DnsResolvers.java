package io.pooler.server.dns;

import io.netty.channel.EventLoop;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsServerAddressStreamProvider;
import io.netty.resolver.dns.DnsServerAddressStreamProviders;
import io.netty.resolver.dns.NoopAuthoritativeDnsServerCache;
import io.netty.resolver.dns.NoopDnsCache;
import io.netty.resolver.dns.NoopDnsCnameCache;
import io.netty.resolver.dns.UnixResolverDnsServerAddressStreamProvider;
import io.pooler.server.net.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Builds the Netty resolver behind {@link DnsCache}: no cache of its own (the cache is ours, with PgBouncer's
 * TTL rules), /etc/hosts first, then the name servers of {@code resolv_conf} if set, else the system's.
 * Netty reads {@code nameserver 127.0.0.1.5353} as port 5353 (the BSD notation), which lets a test point a
 * pooler at its own DNS server through an ordinary config file.
 */
public final class DnsResolvers {
    private static final Logger log = LoggerFactory.getLogger(DnsResolvers.class);

    private DnsResolvers() {
    }

    public static DnsNameResolver build(EventLoop loop, Transport transport, Optional<Path> resolvConf) {
        return new DnsNameResolverBuilder(loop)
                .datagramChannelType(transport.datagramChannel())
                .socketChannelFactory(transport.tcpSocketFactory())
                .resolveCache(NoopDnsCache.INSTANCE)
                .cnameCache(NoopDnsCnameCache.INSTANCE)
                .authoritativeDnsServerCache(NoopAuthoritativeDnsServerCache.INSTANCE)
                .nameServerProvider(nameServers(resolvConf))
                .build();
    }

    private static DnsServerAddressStreamProvider nameServers(Optional<Path> resolvConf) {
        if (resolvConf.isPresent()) {
            try {
                return new UnixResolverDnsServerAddressStreamProvider(resolvConf.get().toFile());
            } catch (IOException | RuntimeException e) {
                log.error("resolv_conf {} cannot be used ({}); using the system's name servers", resolvConf.get(),
                        e.getMessage());
            }
        }
        return DnsServerAddressStreamProviders.platformDefault();
    }
}
