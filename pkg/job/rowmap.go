package job

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"

	"github.com/gocarina/gocsv"
)

// rowType is the struct gocsv fills from a record: field i holds specs[i]
// and is tagged with its canonical name only, because the header gocsv sees
// is already canonical (see rowMapper).
var rowType = func() reflect.Type {
	fields := make([]reflect.StructField, len(specs))
	for i := range specs {
		fields[i] = reflect.StructField{
			Name: "F" + strconv.Itoa(i),
			Type: reflect.TypeFor[string](),
			Tag:  reflect.StructTag(`csv:"` + specs[i].name + `"`),
		}
	}
	return reflect.StructOf(fields)
}()

// ignoredColumn is the name gocsv sees for a header field that fills no
// parameter (unknown, refused, duplicate or unnamed): it matches no field of
// rowType and, unlike "", never makes the header line blank.
const ignoredColumn = "-"

// newCSVReader is how both csv.Readers of a Reader are configured: the one
// that reads the file and the one gocsv maps from. Both must parse the same
// bytes into the same fields.
func newCSVReader(in io.Reader, delim rune) *csv.Reader {
	cr := csv.NewReader(in)
	cr.Comma = delim
	cr.FieldsPerRecord = -1 // checked by the Reader, so that a title row and ragged rows get their own messages
	cr.ReuseRecord = true
	return cr
}

// errReplay means gocsv's reader did not end a record where the Reader's
// did; it would be a defect of the Reader, never of the file.
var errReplay = errors.New("the mapped record does not end where the record read ends")

// rowMapper turns the records the layout step accepted into rows with
// gocsv's Unmarshaller, which reads a csv.Reader of its own. What that
// reader reads is the replay: first a header line of the canonical
// parameter names the layout step decided (ignoredColumn for the others),
// so gocsv matches exactly one field per column by name; then, for each
// accepted record, exactly the input bytes the Reader's csv.Reader parsed
// it from. Both readers are configured alike (newCSVReader), so gocsv gets
// the very fields the layout step checked, byte for byte (re-encoding them
// would not round-trip a "\r\n" inside a quoted value), while positions
// still come from the Reader's own csv.Reader.
type rowMapper struct {
	replay *replay
	cr     *csv.Reader // gocsv's
	um     *gocsv.Unmarshaller
	fed    int64 // bytes given to cr so far
}

// newRowMapper starts gocsv over rp with the header the layout step mapped.
func newRowMapper(rp *replay, cols []column, delim rune) (*rowMapper, error) {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = ignoredColumn
		if c.spec >= 0 {
			names[i] = specs[c.spec].name
		}
	}
	rp.out = []byte(strings.Join(names, string(delim)) + "\n")
	m := &rowMapper{replay: rp, cr: newCSVReader(rp, delim), fed: int64(len(rp.out))}
	// A pointer type makes gocsv return the struct it filled, not a copy.
	um, err := gocsv.NewUnmarshaller(m.cr, reflect.New(rowType).Interface())
	if err != nil {
		return nil, fmt.Errorf("map header: %w", err)
	}
	m.um = um
	return m, nil
}

// row maps the record the Reader's csv.Reader has just read from the input
// bytes [from, to). Field i of the result is the value of specs[i], "" when
// no column fills it.
func (m *rowMapper) row(from, to int64) (reflect.Value, error) {
	m.replay.next(from, to)
	m.fed += to - from
	out, err := m.um.Read()
	if err != nil {
		return reflect.Value{}, fmt.Errorf("map row: %w", err)
	}
	// gocsv must have read this one record, all of it: else it would map
	// the rest of these bytes as the next row.
	if m.cr.InputOffset() != m.fed {
		return reflect.Value{}, fmt.Errorf("map row: %w", errReplay)
	}
	return reflect.ValueOf(out).Elem(), nil
}

// replay is the record source of rowMapper. As an io.Writer (behind an
// io.TeeReader) it keeps the bytes the Reader's csv.Reader reads from the
// file; as an io.Reader it serves gocsv's csv.Reader the bytes of one record
// at a time. It holds the current record and the csv.Reader's read-ahead,
// never the file.
type replay struct {
	buf  []byte // input bytes from offset base on
	base int64
	out  []byte // what gocsv's reader reads next
}

// Write keeps input bytes; it never fails.
func (p *replay) Write(b []byte) (int, error) {
	p.buf = append(p.buf, b...)
	return len(b), nil
}

// Read serves the bytes of the record being mapped, then io.EOF.
func (p *replay) Read(b []byte) (int, error) {
	if len(p.out) == 0 {
		return 0, io.EOF
	}
	n := copy(b, p.out)
	p.out = p.out[n:]
	return n, nil
}

// forget drops the input bytes before offset off. It moves the rest to the
// front only once the dropped part is the larger one, so each byte is moved
// at most about once.
func (p *replay) forget(off int64) {
	if k := int(off - p.base); k > 0 && k >= len(p.buf)-k {
		p.buf = p.buf[:copy(p.buf, p.buf[k:])]
		p.base = off
	}
}

// next makes the input bytes [from, to) what gocsv's reader reads next.
func (p *replay) next(from, to int64) {
	p.out = p.buf[from-p.base : to-p.base]
}
