package io.pooler.auth.hba;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * The ADDRESS column of a {@code host*} line: {@code all}, an address with a CIDR length
 * ({@code 10.0.0.0/8}, {@code fd00::/8}), or an address and a separate mask ({@code 10.0.0.0 255.0.0.0}).
 *
 * <p>As in PostgreSQL, a client matches when its address and the rule's agree on every bit the mask
 * keeps (so {@code 192.168.1.5/24} covers {@code 192.168.1.0/24}), an IPv4 rule also matches an
 * IPv4-mapped IPv6 client ({@code ::ffff:10.1.2.3}), and an IPv6 rule never matches an IPv4 client.
 * Written by hand because none of our libraries does IPv6 CIDR; it is a few lines of byte masking.
 */
final class AddressRange {
    /** Matches every address: the {@code all} keyword. */
    static final AddressRange ALL = new AddressRange(null, null);

    private final byte[] network;
    private final byte[] mask;

    private AddressRange(byte[] network, byte[] mask) {
        this.network = network;
        this.mask = mask;
    }

    /** {@code address/bits}; the bit count may not exceed the address length. */
    static AddressRange cidr(String address, String bits) throws IllegalArgumentException {
        byte[] network = literal(address);
        int length;
        try {
            length = Integer.parseInt(bits);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid CIDR mask in address \"" + address + "/" + bits + "\"");
        }
        if (length < 0 || length > network.length * 8) {
            throw new IllegalArgumentException("invalid CIDR mask in address \"" + address + "/" + bits + "\"");
        }
        byte[] mask = new byte[network.length];
        for (int i = 0; i < length; i++) {
            mask[i / 8] |= (byte) (0x80 >>> (i % 8));
        }
        return new AddressRange(network, mask);
    }

    /** An address followed by a mask written as an address of the same family. */
    static AddressRange withMask(String address, String maskText) throws IllegalArgumentException {
        byte[] network = literal(address);
        byte[] mask;
        try {
            mask = literal(maskText);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid IP mask \"" + maskText + "\"");
        }
        if (mask.length != network.length) {
            throw new IllegalArgumentException("IP address and mask do not match: \"" + address + " " + maskText + "\"");
        }
        return new AddressRange(network, mask);
    }

    /** Throws unless {@code text} is a numeric IPv4 or IPv6 address. */
    static void checkAddress(String text) throws IllegalArgumentException {
        literal(text);
    }

    boolean matches(InetAddress client) {
        if (network == null) {
            return true;
        }
        byte[] bytes = unmapped(client).getAddress();
        if (bytes.length != network.length) {
            return false;
        }
        for (int i = 0; i < bytes.length; i++) {
            if (((bytes[i] ^ network[i]) & mask[i]) != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * A numeric IPv4 or IPv6 address. Host names are refused before InetAddress could look them up:
     * PgBouncer does not resolve names in its HBA file either.
     */
    private static byte[] literal(String text) {
        boolean numeric = text.indexOf(':') >= 0 || text.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        if (!numeric || text.indexOf('%') >= 0) {
            throw new IllegalArgumentException("invalid IP address \"" + text + "\" (host names are not supported)");
        }
        try {
            return InetAddress.getByName(text).getAddress();
        } catch (UnknownHostException | SecurityException e) {
            throw new IllegalArgumentException("invalid IP address \"" + text + "\"");
        }
    }

    /** {@code ::ffff:a.b.c.d} as the IPv4 address it carries. */
    private static InetAddress unmapped(InetAddress address) {
        if (address instanceof Inet6Address) {
            byte[] b = address.getAddress();
            boolean mapped = true;
            for (int i = 0; i < 10; i++) {
                mapped &= b[i] == 0;
            }
            if (mapped && b[10] == (byte) 0xff && b[11] == (byte) 0xff) {
                try {
                    return Inet4Address.getByAddress(Arrays.copyOfRange(b, 12, 16));
                } catch (UnknownHostException e) {
                    throw new IllegalStateException("4 bytes are always an IPv4 address", e);
                }
            }
        }
        return address;
    }
}
