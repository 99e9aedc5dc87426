package job

import (
	"bytes"
	"errors"
	"io"
)

// MaxLineBytes bounds one physical line of a batch file. The longest valid
// row (every parameter at its maximum, merchant_data 64k characters of up to
// 4 bytes) is under 300 KiB; a longer line is not a payout row, and the
// bound keeps a broken or hostile file from holding the Reader's memory.
const MaxLineBytes = 1 << 20

// errLineTooLong is returned by lineLimiter when a line exceeds the bound.
var errLineTooLong = errors.New("line too long")

// lineLimiter passes bytes through and fails once a line grows beyond max
// bytes. line is the 1-based line being read.
type lineLimiter struct {
	r    io.Reader
	max  int
	run  int // bytes since the last '\n'
	line int
}

func (l *lineLimiter) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for b := p[:n]; ; {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			l.run += len(b)
			break
		}
		if l.run+i > l.max {
			l.run += i
			break
		}
		l.run = 0
		l.line++
		b = b[i+1:]
	}
	if l.run > l.max {
		return 0, errLineTooLong
	}
	return n, err
}
