package io.pooler.pool;

import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * An intrusive doubly linked list of connections that are in one state, as PgBouncer keeps them.
 * Every connection is in exactly one list at a time, so a count in SHOW POOLS is a list's size and
 * cannot drift from what the pool acts on.
 *
 * <p>NOTE: not thread-safe; every list belongs to a {@link PoolShard} ({@link ShardLists}) and is touched only on its loop.
 */
final class StateList<T extends PoolMember> {
    private final String name;
    private PoolMember head;
    private PoolMember tail;
    private int size;

    StateList(String name) {
        this.name = name;
    }

    String name() {
        return name;
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** Puts a member first: idle servers are taken most recently used first. */
    void addFirst(T member) {
        attach(member);
        member.next = head;
        if (head != null) {
            head.prev = member;
        } else {
            tail = member;
        }
        head = member;
    }

    /** Puts a member last: waiting clients are served first come, first served. */
    void addLast(T member) {
        attach(member);
        member.prev = tail;
        if (tail != null) {
            tail.next = member;
        } else {
            head = member;
        }
        tail = member;
    }

    void remove(T member) {
        if (member.list != this) {
            throw new IllegalStateException(member + " is not in list " + name);
        }
        if (member.prev != null) {
            member.prev.next = member.next;
        } else {
            head = member.next;
        }
        if (member.next != null) {
            member.next.prev = member.prev;
        } else {
            tail = member.prev;
        }
        member.prev = null;
        member.next = null;
        member.list = null;
        size--;
    }

    @SuppressWarnings("unchecked")
    T first() {
        return (T) head;
    }

    @SuppressWarnings("unchecked")
    T last() {
        return (T) tail;
    }

    /** The first member matching, scanning at most {@code limit} members from the head; null if none. */
    @SuppressWarnings("unchecked")
    T findFirst(Predicate<? super T> test, int limit) {
        int seen = 0;
        for (PoolMember m = head; m != null && seen < limit; m = m.next, seen++) {
            if (test.test((T) m)) {
                return (T) m;
            }
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    void forEach(Consumer<? super T> action) {
        for (PoolMember m = head; m != null; ) {
            PoolMember next = m.next; // the action may move m to another list
            action.accept((T) m);
            m = next;
        }
    }

    private void attach(T member) {
        if (member.list != null) {
            throw new IllegalStateException(member + " is already in list " + member.list.name);
        }
        member.list = this;
        size++;
    }
}
