package npz

import (
	"encoding/binary"
	"fmt"
)

// argKind describes the inline argument that follows a pickle opcode.
type argKind uint8

const (
	argNone    argKind = iota + 1
	argFixed1          // 1 byte
	argFixed2          // 2 bytes
	argFixed4          // 4 bytes
	argFixed8          // 8 bytes
	argLen1            // 1-byte length, then that many bytes
	argLen4            // 4-byte little-endian length, then data
	argLen8            // 8-byte little-endian length, then data
	argLine            // text up to '\n'
	argTwoLine         // two '\n'-terminated lines
)

// opArgs lists every opcode of pickle protocols 0–5 and its argument.
var opArgs = func() (t [256]argKind) {
	for _, c := range []byte("(.012NQRabd}el]ostu)") {
		t[c] = argNone
	}
	for _, c := range []byte{0x81, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8f, 0x90, 0x91, 0x92, 0x93, 0x94, 0x97, 0x98} {
		t[c] = argNone
	}
	for _, c := range []byte{'K', 'h', 'q', 0x80, 0x82} {
		t[c] = argFixed1
	}
	t['M'], t[0x83] = argFixed2, argFixed2
	for _, c := range []byte{'J', 'j', 'r', 0x84} {
		t[c] = argFixed4
	}
	t['G'], t[0x95] = argFixed8, argFixed8 // BINFLOAT; FRAME (its contents are opcodes)
	for _, c := range []byte{'U', 0x8c, 'C', 0x8a} {
		t[c] = argLen1
	}
	for _, c := range []byte{'T', 'X', 'B', 0x8b} {
		t[c] = argLen4
	}
	for _, c := range []byte{0x8d, 0x8e, 0x96} {
		t[c] = argLen8
	}
	for _, c := range []byte("ILFSVPgp") {
		t[c] = argLine
	}
	t['c'], t['i'] = argTwoLine, argTwoLine
	return t
}()

// prescanPickle walks the opcodes of a pickle up to STOP without running
// them and checks that every length and frame fits in the data. The
// unpickler allocates a buffer of each declared length before reading, so
// this keeps a corrupt length from turning into a huge allocation. It
// returns the pickle's size in bytes.
func prescanPickle(p []byte) (int, error) {
	i := 0
	for i < len(p) {
		op := p[i]
		at := i
		i++
		need := 0
		switch opArgs[op] {
		case 0:
			return 0, fmt.Errorf("unknown pickle opcode 0x%02x at byte %d", op, at)
		case argNone:
			if op == '.' {
				return i, nil
			}
		case argFixed1:
			need = 1
		case argFixed2:
			need = 2
		case argFixed4:
			need = 4
		case argFixed8:
			need = 8
			if op == 0x95 && i+8 <= len(p) && binary.LittleEndian.Uint64(p[i:]) > uint64(len(p)-i-8) {
				return 0, fmt.Errorf("pickle frame at byte %d is longer than the data", at)
			}
		case argLen1, argLen4, argLen8:
			w := map[argKind]int{argLen1: 1, argLen4: 4, argLen8: 8}[opArgs[op]]
			if i+w > len(p) {
				return 0, fmt.Errorf("pickle ends inside the length of opcode 0x%02x at byte %d", op, at)
			}
			var n uint64
			switch w {
			case 1:
				n = uint64(p[i])
			case 4:
				n = uint64(binary.LittleEndian.Uint32(p[i:]))
			case 8:
				n = binary.LittleEndian.Uint64(p[i:])
			}
			i += w
			if n > uint64(len(p)-i) {
				return 0, fmt.Errorf("pickle opcode 0x%02x at byte %d declares %d bytes, only %d remain", op, at, n, len(p)-i)
			}
			need = int(n)
		case argLine, argTwoLine:
			lines := 1
			if opArgs[op] == argTwoLine {
				lines = 2
			}
			for range lines {
				for i < len(p) && p[i] != '\n' {
					i++
				}
				if i == len(p) {
					return 0, fmt.Errorf("pickle ends inside the text argument of opcode %q at byte %d", op, at)
				}
				i++
			}
		}
		if i+need > len(p) {
			return 0, fmt.Errorf("pickle ends inside the argument of opcode 0x%02x at byte %d", op, at)
		}
		i += need
	}
	return 0, fmt.Errorf("pickle has no STOP opcode")
}
