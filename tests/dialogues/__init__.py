"""Scripted conversations with the real bot, through the offline Bot API sandbox.

Each `tests/dialogues/*.dlg` file holds one or more conversations; each starts with a
`# title:` line and runs on a fresh database, at the tests' clock (Wednesday 25 November 2026,
10:00 in Paris). A line is one of:

    # title: learner finds and enrols (fr)    a new conversation
    # any other comment                       ignored (so are blank lines)
    user: alice lang=fr                       who acts from now on (created on first use):
                                              lang=fr|en|none (Telegram's language_code),
                                              role=learner|tutor|admin, id=N, topics=a,b
    setup: sample                             data loaded by the importer: sample (spaces,
                                              sessions, tutors) or spaces; also seats
    > excel à Ploërmel                        the person writes this
    [ M'inscrire ]                            presses the newest button whose label has this
    file: data/sample/spaces.csv              sends this file (from the repository root)
    sticker: 👍                               sends a sticker
    location: 47.93,-2.39                     shares a location
    clock: +2h                                time passes (m, h, d)
    clock: 2027-01-12 22:00                   ...or it is now this time in Paris
    sweep:                                    the reminder/notice sweep runs (its job's turn)
    setup: seats BEV-001 1                    that session (its id in the file) has 1 seat
    < Excel                                   the bot's answer to the last action has this
    ! Quelle ville                            ...and not this
    ^ Rien n'a été importé                    ...one answer's first line has this

Checks are case-insensitive and read the answer as a person sees it: the text without markup,
then each row of buttons as `[label] [label]`, a file as `(file name)`, a toast as `(toast)`.
So `< [Enregistrer]` asserts a button, `! [Importer]` that there is none.

`python -m tests.dialogues [words]` plays them (those whose file or title has the words) and
prints each transcript; `tests/handlers/test_dialogues.py` plays each as a test.
"""
