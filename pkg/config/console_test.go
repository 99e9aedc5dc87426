package config

import (
	"errors"
	"strings"
	"testing"
)

func TestConsoleUsers(t *testing.T) {
	t.Parallel()
	const hash = "$2a$10$abcdefghijklmnopqrstuuF0x6Y1Qm0u8b5i3l0Zq1n2Yd3eF4gH5"
	for _, tc := range []struct {
		name, users, wantErr string
		want                 int
	}{
		{"two users and a comment", "# finance\nann submitter " + hash + "\n\nbob approver,operator " + hash + "\n", "", 2},
		{"proxy-only user", "sso viewer -", "", 1},
		{"unknown role", "ann admin " + hash, `unknown role "admin"`, 0},
		{"not bcrypt", "ann submitter plaintext", "not a bcrypt hash", 0},
		{"two fields", "ann submitter", "3 fields", 0},
		{"twice", "ann viewer -\nann viewer -", "listed twice", 0},
	} {
		c := Default()
		c.Console.Users = tc.users
		users, err := c.ConsoleUsers()
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.Is(err, ErrInvalid)):
			t.Errorf("%s: error %v, want one with %q", tc.name, err, tc.wantErr)
		case err != nil && strings.Contains(err.Error(), "plaintext"):
			t.Errorf("%s: the error shows the hash field: %v", tc.name, err)
		case tc.wantErr == "" && len(users) != tc.want:
			t.Errorf("%s: %d users, want %d", tc.name, len(users), tc.want)
		}
	}
}

func TestValidateConsole(t *testing.T) {
	t.Parallel()
	c := Default()
	if err := c.ValidateConsole(); err == nil || !strings.Contains(err.Error(), "console.users") {
		t.Errorf("no users: %v", err)
	}
	c.Console.Users = "ann viewer -"
	c.Console.SessionKey = "short"
	c.Console.MaxUploadBytes = 0
	c.Console.Addr = "nowhere"
	err := c.ValidateConsole()
	for _, key := range []string{"console.session_key", "console.max_upload_bytes", "console.addr"} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("error %v does not name %s", err, key)
		}
	}
}
