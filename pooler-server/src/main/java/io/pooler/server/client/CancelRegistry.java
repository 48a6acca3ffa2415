package io.pooler.server.client;

import io.netty.util.collection.LongObjectHashMap;
import io.pooler.auth.LoginRandom;
import io.pooler.server.peers.CancelKey;

import java.util.function.IntSupplier;

/**
 * The BackendKeyData the pooler gave each client, so a CancelRequest (which arrives on a new
 * connection, possibly on another event loop) finds the client and through it the server to cancel.
 * Keys are looked up whole (process id and secret): with peering only 15 bits of the process id are
 * random ({@link CancelKey}), too few to be unique on their own.
 */
public final class CancelRegistry {
    /**
     * NOTE: a primitive-keyed open-addressing table under this registry's lock rather than a
     * ConcurrentHashMap, which would cost each client a node and a boxed Long (56 bytes) instead of
     * some 16 to 32 (a long and a reference per slot, filled to 3/4 before it doubles); a client takes the lock twice in its life (login, close), a CancelRequest once.
     */
    private final LongObjectHashMap<ClientConnection> byKey = new LongObjectHashMap<>(64, 0.75f);
    private final IntSupplier peerId;

    /** @param peerId this process's peer_id as configured now (0: no peering) */
    public CancelRegistry(IntSupplier peerId) {
        this.peerId = peerId;
    }

    /** Gives the client a fresh, unique key: random, with our peer_id and TTL written in when peered. */
    public void register(ClientConnection client) {
        int peer = peerId.getAsInt();
        LoginRandom random = LoginRandom.current();
        while (true) {
            int pid = CancelKey.processId(random.nextInt(), peer);
            int secret = CancelKey.secret(random.nextInt(), peer);
            if (pid != 0 && putIfAbsent(key(pid, secret), client)) {
                client.setCancelKey(pid, secret);
                return;
            }
        }
    }

    public void unregister(ClientConnection client) {
        if (client.cancelProcessId() != 0) {
            long key = key(client.cancelProcessId(), client.cancelSecretKey());
            synchronized (byKey) {
                if (byKey.get(key) == client) {
                    byKey.remove(key);
                }
            }
        }
    }

    /** The client these keys belong to, or null. */
    public ClientConnection find(int processId, int secretKey) {
        long key = key(processId, secretKey);
        synchronized (byKey) {
            return byKey.get(key);
        }
    }

    private boolean putIfAbsent(long key, ClientConnection client) {
        synchronized (byKey) {
            if (byKey.containsKey(key)) {
                return false;
            }
            byKey.put(key, client);
            return true;
        }
    }

    private static long key(int processId, int secretKey) {
        return ((long) processId << 32) | (secretKey & 0xFFFF_FFFFL);
    }
}
