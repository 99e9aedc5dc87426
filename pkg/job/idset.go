package job

import "hash/maphash"

// idSet remembers client_orderids by a 64-bit hash with the line each was
// first seen on, in about 12 bytes per id at a load factor of 3/8 to 3/4:
// ~20 MiB for a million ids, where a map[uint64]uint32 takes ~37 MiB. It is
// split into 256 open-addressing tables (chosen by the hash's top byte) so
// growing one never copies more than 1/256 of the set.
//
// Two different ids share a hash with a probability around n²/2⁶⁵ (3·10⁻⁸
// for a million ids); that would report a false duplicate, never miss a real
// one.
type idSet struct {
	seed maphash.Seed
	tabs [256]idTable
}

type idTable struct {
	keys  []uint64 // 0 = empty slot
	lines []uint32
	n     int
}

func newIDSet() *idSet { return &idSet{seed: maphash.MakeSeed()} }

// add records id on line and returns the line it was first seen on and
// true, or false for a new id.
func (s *idSet) add(id string, line uint32) (uint32, bool) {
	h := maphash.String(s.seed, id) | 1 // never the empty marker
	t := &s.tabs[h>>56]
	if 4*(t.n+1) > 3*len(t.keys) {
		t.grow()
	}
	mask := uint64(len(t.keys) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch t.keys[i] {
		case 0:
			t.keys[i], t.lines[i] = h, line
			t.n++
			return 0, false
		case h:
			return t.lines[i], true
		}
	}
}

func (t *idTable) grow() {
	keys, lines := t.keys, t.lines
	size := max(16, 2*len(keys))
	t.keys, t.lines = make([]uint64, size), make([]uint32, size)
	mask := uint64(size - 1)
	for j, h := range keys {
		if h == 0 {
			continue
		}
		i := h & mask
		for t.keys[i] != 0 {
			i = (i + 1) & mask
		}
		t.keys[i], t.lines[i] = h, lines[j]
	}
}
