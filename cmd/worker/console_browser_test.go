package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/payrun/payrun/internal/stack"
	"github.com/payrun/payrun/internal/testlog"
)

// chromiumPath finds Debian's chromium. Without it the test is skipped, unless CI is set: CI
// must run it (.ci/run installs the package).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed and CI is set: the browser test must run in CI (apt-get install -y chromium)")
	}
	t.Skip("chromium is not installed (apt-get install -y chromium); skipping the browser test")
	return ""
}

// screenshotDir is where the steps' screenshots go: $PAYRUN_SCREENSHOTS if set, else a
// temporary folder.
func screenshotDir(t *testing.T) string {
	if d := os.Getenv("PAYRUN_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

var consoleLineRE = regexp.MustCompile(`console: (http://127\.0\.0\.1:\d+)`)

// The finance console in a real browser, against the demo (`worker -demo -console`): the
// in-process embedded JetStream, sandbox gateway and worker pool. A submitter uploads a file
// with errors and sees them, uploads a valid file and sees it checked; an approver approves it;
// the page follows the batch until it is complete; the report is downloaded. Each step leaves a
// screenshot.
func TestConsoleInABrowser(t *testing.T) {
	chromium := chromiumPath(t)
	shots := screenshotDir(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	var stdout, stderr testlog.Buffer
	demoCtx, stopDemo := context.WithCancel(ctx)
	demoDone := make(chan error, 1)
	go func() {
		demoDone <- run(demoCtx, []string{"-demo", "-console", "127.0.0.1:0"}, []string{"PAYRUN_LOG_LEVEL=info"}, nil, &stdout, &stderr)
	}()
	defer func() {
		stopDemo()
		if err := <-demoDone; err != nil {
			t.Errorf("demo: %v", err)
		}
		if t.Failed() {
			t.Logf("demo stdout:\n%s\ndemo stderr (last 4k):\n%s", stdout.String(), tail(stderr.String(), 4096))
		}
	}()
	var base string
	for deadline := time.Now().Add(40 * time.Second); base == ""; time.Sleep(50 * time.Millisecond) {
		if m := consoleLineRE.FindStringSubmatch(stdout.String()); m != nil {
			base = m[1]
		} else if time.Now().After(deadline) {
			t.Fatal("the demo never printed the console's address")
		}
	}

	actx, acancel := chromedp.NewExecAllocator(ctx, chromedp.ExecPath(chromium),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900))
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()

	step := 0
	shot := func(name string) {
		t.Helper()
		step++
		png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(shots, fmt.Sprintf("%02d-%s.png", step, name)), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(bctx, steps...); err != nil {
			shot("failed-" + strings.ReplaceAll(what, " ", "-"))
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	login := func(user string) {
		t.Helper()
		do("sign in as "+user,
			chromedp.Navigate(base+"/login"),
			chromedp.WaitVisible(chromedp.ID("user-name")),
			chromedp.SendKeys(chromedp.ID("user-name"), user),
			chromedp.SendKeys(chromedp.ID("password"), stack.DemoPassword),
			chromedp.Click(chromedp.ID("sign-in")),
			chromedp.WaitVisible(chromedp.ID("user")))
		if got := text("#user"); got != user {
			t.Fatalf("signed in as %q, want %q", got, user)
		}
	}
	upload := func(file, waitFor string) {
		t.Helper()
		abs, err := filepath.Abs(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		do("upload "+file,
			chromedp.Navigate(base+"/upload"),
			chromedp.WaitVisible(chromedp.ID("file")),
			chromedp.SetUploadFiles(chromedp.ID("file"), []string{abs}),
			chromedp.Click(chromedp.ID("check")),
			chromedp.WaitVisible(chromedp.ID(waitFor)))
	}

	login("submitter")
	shot("signed-in")

	upload("console-invalid.csv", "errors")
	errs := text("#errors")
	for _, want := range []string{"reciever_first_name", `"receiver_first_name"`, "1234.56", "upper case"} {
		if !strings.Contains(errs, want) {
			t.Errorf("the errors table lacks %q:\n%s", want, errs)
		}
	}
	shot("file-with-errors")

	upload("console-valid.csv", "rows")
	rows := text("#rows")
	if !strings.Contains(rows, "account ******7890") || strings.Contains(rows, "1234567890") {
		t.Errorf("rows not masked:\n%s", rows)
	}
	if got := text("#totals"); got != "EUR 80.50, JPY 3000, USD 120.00" {
		t.Errorf("control totals %q", got)
	}
	batchURL, err := chromedp.Run(bctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if waiting := text("#waiting"); !strings.Contains(waiting, "other than submitter") {
		t.Errorf("the uploader is offered %q, want to wait for another approver", waiting)
	}
	shot("checked-waiting-for-approval")

	do("sign out", chromedp.Click(chromedp.CSS("nav button")), chromedp.WaitVisible(chromedp.ID("user-name")))
	login("approver")
	do("open the batch", chromedp.Navigate(batchURL), chromedp.WaitVisible(chromedp.ID("approve")))
	shot("approver-sees-the-batch")
	do("approve", chromedp.Click(chromedp.ID("approve")), chromedp.WaitVisible(chromedp.ID("live")))
	if got := text("#approved"); !strings.Contains(got, "by approver") {
		t.Errorf("approval record %q", got)
	}
	do("watch the batch finish", chromedp.WaitVisible(chromedp.ID("done")))
	counts := text("#counts")
	if !strings.Contains(counts, "approved") || !strings.Contains(counts, "declined") {
		t.Errorf("counts per status:\n%s", counts)
	}
	shot("batch-complete")

	downloads := t.TempDir()
	do("download the report",
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
				Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads})
			return err
		}),
		chromedp.Click(chromedp.ID("report-csv")))
	id := batchURL[strings.LastIndex(batchURL, "/")+1:]
	var report []byte
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if report, err = os.ReadFile(filepath.Join(downloads, id+"-report.csv")); err == nil && bytes.Count(report, []byte("\n")) == 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no complete report downloaded to %s (%v): %q", downloads, err, report)
		}
	}
	for _, want := range []string{"client_orderid,status", "console-demo-0001,approved", "console-demo-0002,declined", "account ******4321"} {
		if !bytes.Contains(report, []byte(want)) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
	shot("report-downloaded")
	t.Logf("screenshots in %s", shots)
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
