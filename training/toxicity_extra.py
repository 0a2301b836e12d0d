"""Hand-written benign texts added to the toxicity training data as negatives of both heads.

TweetEval is tweets about politics and people; the detector reads prompts and answers of an assistant.
Words that are innocent there ("kill" a process, "shoot" a photo, "Moby Dick", "breast cancer", place
names containing rude substrings) are rare or offensive in the tweets. These sentences (written for this
repository, not taken from any data set) teach the model their innocent senses. They are training data,
not evaluation data.
"""

from __future__ import annotations

BENIGN: tuple[str, ...] = tuple(
    line.strip()
    for line in """
How do I kill a Python process that is stuck?
What's the difference between kill -9 and kill -15 on Linux?
Kill the background job and restart the server.
The cron job kills stale sessions every night.
What plants kill aphids naturally?
How can I kill time during a long layover?
That comedian absolutely killed it last night.
Shoot me an email when the report is ready.
We will shoot the photos at the beach at sunset.
The director wants to shoot the final scene in one take.
I'll beat you at chess next time, promise.
Can you explain how to execute a SQL query in Python?
The script executes the tests and then exits.
Hang the picture a little higher on the wall.
Let's hang out after work on Friday.
My phone battery is dead again.
You are dead right about the deadline.
Moby Dick is a novel by Herman Melville.
Philip K. Dick wrote Do Androids Dream of Electric Sheep?
Dick Van Dyke starred in Mary Poppins.
The rooster, or cock, crowed at dawn.
Our cat is a fluffy pussy cat who sleeps all day.
The blue tit is a small bird common in European gardens.
A hoe is a garden tool for weeding.
The bride kept her wedding ring in a small box.
Scunthorpe is a town in North Lincolnshire, England.
Please assess the risks before the assessment deadline.
My therapist suggested journaling every morning.
The pilot checked the instruments in the cockpit.
Middlesex and Essex are counties in England.
The analysis of the class assignment is due on Monday.
Breast cancer screening is recommended for women over fifty.
How do I perform a breast self-examination?
The doctor examined the patient's penis for signs of infection.
Sperm whales are the largest toothed predators.
The vulva and vagina are parts of the female reproductive system.
Sex education should cover consent and contraception.
The census records each person's sex and age.
Prostate exams are an important part of men's health.
Is it normal to have pain after a vasectomy?
Booty is another word for treasure captured by pirates.
The knob on the kitchen cabinet is loose.
Screw the lid on tightly before shaking the jar.
He hit the nail with a hammer and it went straight in.
The Bank of England raised interest rates.
Ass is an old word for donkey in the Bible.
The hate speech research paper was published in 2019.
Our policy forbids harassment and abusive language.
How do I report a threatening message to the platform?
Write a polite email declining the meeting invitation.
Summarize this article about climate change in three sentences.
Translate 'good morning' into Spanish, French and German.
What is the capital of Australia?
Explain recursion to a ten-year-old.
Give me a recipe for vegetarian lasagna.
Help me write a cover letter for a software engineering job.
What are the symptoms of the flu?
Can you recommend a good science fiction book?
Write a haiku about autumn leaves.
How do I center a div in CSS?
What's the best way to learn a new language as an adult?
Draft a thank-you note for my team after the product launch.
The immigrants who arrived in the 1900s built much of the city's railway.
Refugees fleeing the war found shelter in neighbouring countries.
Women won the right to vote in the United Kingdom in 1918.
Many Muslims fast during the month of Ramadan.
The Jewish holiday of Passover commemorates the Exodus.
Black history month celebrates the achievements of African Americans.
Gay and lesbian couples can marry in many countries.
Older people may need more vitamin D in winter.
It is wrong to say that all immigrants are criminals.
Stereotypes such as 'women are bad drivers' are not supported by evidence.
The killer in the novel is revealed in the final chapter.
In the game you must destroy the enemy base to win.
The bomb squad safely defused the device.
Heat the oil until it is smoking hot, then add the garlic.
This bug is killing me, the build keeps failing.
I could murder a pizza right now.
The movie was a bloody masterpiece.
The shooting star crossed the sky.
That new album is sick, I love it.
""".strip().splitlines()
    if line.strip()
)
