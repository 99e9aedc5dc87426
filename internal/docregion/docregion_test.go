package docregion

import "testing"

func TestReplace(t *testing.T) {
	t.Parallel()
	doc := "intro\n<!-- t:begin -->\nold\n<!-- t:end -->\noutro\n"
	got, err := Replace([]byte(doc), "t", "new")
	if err != nil {
		t.Fatal(err)
	}
	if want := "intro\n<!-- t:begin -->\nnew\n<!-- t:end -->\noutro\n"; string(got) != want {
		t.Errorf("got %q, want %q", got, want)
	}
	for _, bad := range []string{"no markers\n", "<!-- t:end -->\n<!-- t:begin -->\n", "<!-- t:begin -->\n"} {
		if _, err := Replace([]byte(bad), "t", "x"); err == nil {
			t.Errorf("%q: no error for missing or misplaced markers", bad)
		}
	}
}
