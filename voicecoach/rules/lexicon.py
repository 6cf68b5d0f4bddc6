"""Phrase patterns and paraphrase prototypes behind the content checks.

Patterns run on `text.Reply.norm`: lower case, contractions expanded ("can not",
"i am", "do not"), fillers and punctuation removed. `W` is "any one word". Each
list is the way trainees really phrase the move, gathered from the guidance in
shared/GUIDANCE.md and the seeds, plus the hollow or negated forms that must
not count. Prototypes are short exemplar sentences; a clause whose embedding is
close enough to one of them counts as a paraphrase (see rules/content.py).
"""

from __future__ import annotations

from voicecoach.text import compile_all

W = r"(?:\w+ )"
FEELING = (r"(?:frustrat\w*|annoy\w*|upset\w*|angry|anger|infuriat\w*|madden\w*|stress\w*|worr\w*|disappoint\w*|"
           r"inconvenien\w*|irritat\w*|exasperat\w*|fed up|aggravat\w*|awful|terrible|horrible|nightmare|hassle|"
           r"difficult|tough|draining|exhausting|confusing|concern\w*|let down|a pain|painful|disrupt\w*|distress\w*|"
           r"anxious|anxiety|scary|embarrass\w*|insult\w*|unfair|upsetting|maddening|galling|rough|hard|"
           r"unacceptable|not good enough|fed up|cross|furious|livid|sick of|tired of|a headache|a mess|stuck|"
           r"out of pocket|ignored|fobbed off|messed around|run around|runaround|wasted|waste of|tiring|tired|"
           r"frighten\w*|scar\w*|overwhelm\w*|uneas\w*|unsettl\w*|doubt\w*|skeptic\w*|sceptic\w*|wary|nervous|"
           r"short changed|shortchanged|gutted|heartbreak\w*|gall\w*|livid|fuming|sick|worn out|worn down|alarm\w*|"
           r"shock\w*|hurt\w*|lonely|isolat\w*|trapped|helpless|powerless|humiliat\w*|discourag\w*|demoraliz\w*|"
           r"demoralis\w*|unsettling|devastat\w*|miserable|unpleasant|impatient|impatience)")
IDIOM = (r"(?:(?:tear|tearing|pull|pulling) (?:my|your|his|her|their|our) hair out|climb\w* the walls|up the wall|"
         r"wits end|wit is end|see red|wind (?:anyone|anybody|you|me|everyone|someone|people) up|wound up|"
         r"end of (?:my|your|their|the) tether|patience of a saint|wear (?:anyone|anybody|you|me|people|everyone) (?:down|out)|"
         r"drain (?:anyone|anybody|you|me|people|everyone)|test (?:anyone|anybody|you|me|everyone)|the last straw|"
         r"through the wringer|lose (?:my|your|their) (?:temper|mind|patience|cool|rag)|at (?:my|your) wits|"
         r"blood boil|steam coming out|hit the roof|go spare|going spare|pulling teeth|banging (?:my|your) head)")
ADVERB = r"(?:(?:so|really|very|incredibly|extremely|truly|completely|totally|absolutely|such|quite|pretty|"
ADVERB += r"genuinely|deeply|hugely|incredibly|understandably|rightly|a bit|a little|a real|really really) )"

EMPATHY = compile_all([
    IDIOM,
    rf"(?:anyone|anybody|everyone|most people|any of us|i|we|people) would (?:be|feel|have been|get|go) {ADVERB}*(?:\w+ )?{FEELING}",
    rf"(?:would|could|is enough to|enough to) (?:make|leave|have|get) (?:anyone|anybody|everyone|me|most people|people|you|someone) (?:\w+ ){{0,2}}{FEELING}",
    r"i would (?:be|feel) (?:\w+ ){1,6}(?:too|as well|in your (?:shoes|position|place))",
    rf"(?:must|would|has to|will) (?:be|feel|have been|have felt) {ADVERB}*(?:\w+ )?{FEELING}",
    rf"(?:is|was|has been|sounds|seems|feels) {ADVERB}*(?:really )?(?:frustrat\w*|infuriat\w*|madden\w*|stressful|worrying|upsetting|distressing|exhausting|disappointing|overwhelming|frightening|galling|exasperating|aggravating|annoying|irritating)",
    r"i (?:can |could |completely |totally |fully |really |do )*(?:understand|imagine|appreciate|see|hear|know) how (?:\w+ ){1,3}(?:that|this|it|you) (?:must|would|has|is|was|feels|felt|must have)",
    rf"i {ADVERB}*(?:can |could )?(?:completely |totally |fully |really |do |absolutely |can totally )?(?:understand|see|hear|imagine|appreciate|get|know|sense|recognize|recognise) {W}{{0,7}}{FEELING}",
    rf"(?:that|this|it|which) (?:sounds|must (?:be|have been|feel)|would (?:be|have been|make)|is|was|has been|seems|looks) {ADVERB}*(?:like )?(?:a |an |such a |really )?{W}{{0,1}}{FEELING}",
    rf"(?:you|anyone|anybody|everyone) must (?:be|feel|have been) {ADVERB}*{W}{{0,1}}{FEELING}",
    rf"no wonder (?:you|that you) (?:are|were|feel|have|got)",
    rf"i would (?:be|feel|have been) {ADVERB}*(?:\w+ )?{FEELING}",
    rf"i would (?:be|feel) (?:the same|exactly the same|just the same)",
    r"(?:i would|anyone would|anybody would|who would not|who would not) (?:be|feel) \w+ (?:too|as well|in your)",
    r"in your (?:shoes|position|place|situation)",
    r"i (?:can |could |completely |totally |really |do )*(?:see|understand|get|appreciate) (?:why|how) (?:you|this|that|it|anyone)",
    r"(?:i can see|i understand|i get|i know) where you are coming from",
    r"(?:drive|drives|drove|driving) (?:me|you|anyone|anybody|everyone|somebody|someone) (?:up the wall|crazy|mad|nuts|round the bend|spare|bananas|insane)",
    r"(?:completely|totally|perfectly|entirely|very) understandable",
    r"understandably",
    r"you have (?:every|a) right to (?:be|feel)",
    rf"your (?:frustration|anger|annoyance|concern|concerns|feelings|upset|disappointment|worry|worries) (?:is|are) {ADVERB}*(?:understandable|valid|fair|justified|reasonable|legitimate|natural)",
    r"i hear (?:you|how|what|that you|that this|your)",
    r"i feel for you",
    r"(?:i|we) get it",
    r"what a (?:hassle|nightmare|pain|headache|mess|terrible|awful|frustrating|let down)",
    r"i can (?:only )?imagine",
    r"(?:can|could) not imagine (?:how|what)",
    rf"(?:the last thing|not what) you (?:need|needed|wanted|want|expected|deserve)",
    r"(?:makes|make) (?:complete |total |perfect )?sense (?:that|why) you",
    r"i know (?:how|what) (?:that|this|it) (?:feels|is like)",
    r"i would hate (?:that|for|to)",
    r"(?:that|this) is (?:not|no) (?:the )?(?:experience|service) you (?:should|deserve|expected)",
])
# Phrases that contain a negator yet are empathy ("I can't imagine how...").
EMPATHY_NEGATION_PROOF = compile_all([
    r"(?:can|could) not imagine (?:how|what)",
    r"no wonder",
    rf"(?:the last thing|not what) you (?:need|needed|wanted|want|expected|deserve)",
    r"(?:that|this) is (?:not|no) (?:the )?(?:experience|service) you (?:should|deserve|expected)",
    r"who would not (?:be|feel)",
])

APOLOGY_FULL = compile_all([
    r"i (?:\w+ ){0,3}apologi[sz]e",
    r"(?:my|our) (?:\w+ )?apologies",
    r"apologies (?:for|about|that)",
    r"please accept (?:my|our) (?:\w+ )?apolog\w*",
    r"(?:i|we) (?:deeply |sincerely |truly |really )?regret",
    r"(?:i am|we are) (?:\w+ ){0,2}sorry (?:for|about|that|to hear|this|it|you have|you had|you were|you went|we)",
    r"sorry (?:for|about) (?:the|this|that|all|any|your|what|our|my|everything)",
    r"(?:so|really|very|terribly|truly|incredibly|deeply|genuinely|extremely) sorry",
])
APOLOGY_BARE = compile_all([r"(?:i am |we are )?sorry"])
NON_APOLOGY = compile_all([
    r"sorry (?:that |if )?you (?:feel|felt|think|thought|see it|took it|are upset|are offended|were offended)(?: (?:that way|like that|this way|so))?",
    r"sorry if (?:you|that|this|anyone)",
    r"sorry but (?:that is|it is|this is|there is|i can not|we can not|we do not|the policy|our policy|rules)",
])
# "Sorry, what was the number?" is "pardon", not an apology.
PARDON = compile_all([
    r"sorry (?:what|could you|can you|would you|say that|say again|i did not (?:catch|hear|get)|who|which|where|when|how|did you|come again|one more time|repeat)",
])

REASSURE = compile_all([
    r"(?:we|i) (?:will|are going to|am going to|shall|can|will definitely|will absolutely|will certainly) (?:\w+ ){0,2}(?:sort|fix|resolve|solve|get (?:this|it|that|you|everything|things)|take care|put (?:this|it|things|that) right|make (?:this|it|things|that) right|figure|work (?:this|it|that) out|handle|look after|get to the bottom|sort you out|get you sorted|see this through|make it up)",
    r"i (?:will|am going to|shall) (?:\w+ ){0,1}(?:make sure|ensure|personally|see to it|see that|follow (?:this|it|that) (?:up|through)|stay on (?:this|it|top of (?:this|it)) until|own this|take ownership|not let|not rest)",
    r"you will (?:have|get|see|receive) (?:it|them|this|that|your \w+|the \w+|a \w+|an \w+|power|everything|confirmation|written|the money|the refund|a refund|(?:\w+ ){1,3}back) (?:\w+ ){0,4}(?:by|within|before|tomorrow|today|tonight|on|in|first thing|straight away|this)",
    r"(?:we|i) will (?:\w+ ){0,1}(?:have|get) (?:\w+ ){0,3}(?:running|working|fixed|sorted|back|done|there|resolved|cleared|restored|reconnected|replaced|delivered|with you)",
    r"(?:will|is going to|should) (?!(?:call|ring|phone|email|text|contact|update|get back|be in touch|let you know)\b)(?:be )?(?:\w+ ){0,3}(?:by (?:the end of )?(?:today|tonight|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday|noon|\w+ ?(?:am|pm))|within (?:the next )?(?:\w+ ){0,2}(?:hours?|days?|minutes?)|straight away|immediately|first thing)",
    r"i am (?:fully |absolutely |totally |really )?committed to (?:getting|sorting|fixing|resolving|putting|making|helping|finding|tracking)",
    r"let us get (?:that|this|it|you) (?:\w+ )?(?:put right|sorted|fixed|resolved|back)",
    r"(?:is|are) (?:locked in|guaranteed|on (?:its|their) way|confirmed|secured)",
    r"you (?:can|will be able to) (?:count|rely) on",
    r"(?:will|is going to|are going to) (?:\w+ )?(?:stop|be with you|arrive|reach you|be there|go out|be fixed|be sorted|be back|be cleared|be removed|be gone|be refunded|be credited|come off|be on (?:its|their) way|be in your)",
    r"(?:this|it|that) (?:one )?(?:stays|is staying) with me",
    r"(?:is|it is) on (?:its|their|it is) way",
    r"rest assured",
    r"i (?:promise|guarantee)",
    r"you have my (?:word|promise|guarantee)",
    r"you are in (?:good|safe) hands",
    r"leave (?:it|this|that) (?:with|to) me",
    r"i (?:have )?got (?:this|you|it from here)",
    r"consider it (?:done|sorted)",
    r"(?:this|it|that|everything|your \w+) (?:will|is going to|shall) (?:be|get) (?:\w+ )?(?:sorted|fixed|resolved|done|taken care of|put right|made right|with you|delivered|back)",
    r"(?:we will|i will|we are going to|i am going to) (?:\w+ )?(?:get|have) (?:this|it|that|you|your \w+) (?:\w+ )?(?:sorted|fixed|resolved|done|back|working|delivered|replaced|refunded)",
    r"by the end of (?:the day|today|this call|the call)",
    r"(?:we|i) (?:will|can) (?:absolutely|definitely|certainly) (?:\w+ )?(?:help|do that|sort|fix|get)",
    r"(?:this|it) (?:is|will be) (?:my|our) (?:top )?priority",
    r"i am (?:not going anywhere|on it)",
    r"we (?:will|are going to) get there(?! (?:\w+ ){0,2}(?:quicker|quickest|faster|fastest|sooner|better))",
    r"(?:i|we) will (?:make certain|see to it|see that)",
    r"(?:that is|it is|this is) a promise|i give you my word",
    r"(?:whatever happens|come what may)",
    r"consider (?:it|that|this|the \w+) (?:done|sorted|handled|dealt with)",
    r"(?:we|i) will (?:\w+ )?get to the (?:root|bottom)",
    r"(?:we|i) will (?:\w+ )?(?:find|work out) (?:a|the) (?:way|plan|solution|fix|answer)",
    r"(?:is|are) coming off",
    r"(?:the \w+|it|that) is (?:all )?yours",
    r"(?:this|it) is (?:mine|on me) from (?:here|now|start)",
    r"(?:you|she|he|they|it|everything|your \w+|the \w+) (?:will|is going to|are going to) (?:have|get|be) (?:\w+ ){0,3}in time",
    r"you will be (?:back )?(?:in|at|home|there|online|connected|up and running|on your way) (?:\w+ ){0,3}(?:for|by|before|in time|tonight|today|tomorrow)",
    r"(?:i|we) (?:will|am going to|are going to) (?:\w+ ){1,12}before (?:you|we) (?:leave|go|finish|hang up|end)",
    r"(?:you are|you will be) (?:fully |completely )?covered",
    r"(?:one way or another|no matter what)",
])

# Promises worded with a negation ("you won't have to chase it"): matched as they are,
# then dropped only when a negation or hedge comes before them ("I can't promise you won't...").
REASSURE_NEGATIVE_FORM = compile_all([
    r"(?:you|so you) (?:will not|will never|are not going to) (?:need|pay|lose|leave|go (?:home|away)|be (?:charged|left|out of pocket|starting|running|without|on your own|chasing|waiting)|miss|go without|run short|hear)",
    r"(?:you|so you) do not (?:lose|pay|miss|go without|run short|have to pay|need to pay)",
    r"you will not (?:\w+ ){0,2}without",
    r"you are not (?:on your own|alone)",
    r"(?:we|i) (?:will not|am not going to|are not going to) let (?:this|that|it|you)",
    r"you (?:will not|do not) (?:have|need) to (?:\w+ ){0,3}(?:again|chase|call back|worry|wait|come back|repeat)",
    r"(?:do not|no need to) worry",
    r"(?:this|it|that) (?:will|is going to|shall) (?:\w+ )?(?:not|never) happen again",
    r"(?:this|it|that|the \w+) (?:will not|is not going to|will never) (?:happen|trigger|recur|come back|affect|go on|show)",
    r"(?:nobody|no one) (?:is|will) (?:going to )?(?:be )?(?:coming|come|sending|send|taking|take|repossess\w*|cutting|cut|chase|chasing|ask|asking|charge|charging)",
])
# A promise under a hedge ("I'd love to tell you it'll be sorted, but...", "hopefully it
# will") or made conditional on the customer's tone ("we'll get there quicker if...").
REASSURE_HEDGE = compile_all([
    r"(?:i would|i'd) (?:love|like) to (?:tell|say|promise)",
    r"i wish i could",
    r"(?:hopefully|i hope|maybe|perhaps|might|possibly|with any luck|fingers crossed)",
    r"(?:can not|could not|will not|do not|not) (?:\w+ ){0,2}(?:promise|guarantee|say|tell|know|sure|certain)",
    r"no (?:guarantee|promise|way of)",
])
REASSURE_CONDITION = compile_all([
    r"(?:if|as long as|provided) (?:we|you) (?:\w+ )?(?:keep|stick|leave|focus|stop|calm|look|talk)",
    r"(?:quicker|quickest|faster|fastest|sooner|better|further) (?:\w+ ){0,4}(?:if|than)",
])

# Stems: "arrang" matches arrange/arranging/arranged.
ACTION_VERBS = (r"(?:check|look|pull|find|book|arrang|send|sent|email|text|call|ring|phon|refund|replac|swap|exchang|credit|"
                r"reissu|resend|order|reorder|rais|log|process|track|trac|contact|chas|updat|cancel|waiv|"
                r"revers|set|schedul|put|get|getting|tak|took|fix|sort|verif|confirm|investigat|review|open|issu|organi[sz]|"
                r"dispatch|ship|courier|collect|deliver|walk|measur|compar|test|reset|transfer|apply|appli|add|remov|chang|"
                r"amend|extend|reduc|offer|noting|noted|flag|go|going|bring|grab|speak|talk|ask|start|pop|run|print|fetch|"
                r"reserv|hold|match|upgrad|downgrad|adjust|correct|rebook|redeliver|expedit|prioriti[sz]|pay|paid|"
                r"knock|cover|compensat|giv|gave|show|writ|wrote|file|filing|submit|request|see|dig|doubl|paus|freez|"
                r"restructur|spread|split|mov|push|recheck|reroute|redirect|follow|mark|stay|fill|lock|lift|clear|"
                r"post|drop|reconnect|restor|unblock|unlock|refer|pass|email|message|sit|plac|replac|print|scan|"
                r"search|dispatch|approv|authori[sz]|waiv|rerun|repair|install|reinstall|restart|reboot|send)")
ACTION = compile_all([
    rf"(?:let me|allow me to|let us|i will|i am going to|i am gonna|i am|i am just|i will just|i can|we will|we can|we are going to|i would like to|i would be happy to|i am happy to|i will be|i shall|i have|i am now|i am currently|i need to|i will go ahead and|i am going to go ahead and|while i|and i|then i|so i|first i) (?!(?:committed|trying|hoping|sure|afraid|sorry|glad|not|never|unable)\b)(?:\w+ ){{0,2}}{ACTION_VERBS}\w*",
    r"i can (?:do|sort|arrange|manage) (?:that|this|it) (?:\w+ )?(?:right away|now|today|straight away|for you|immediately|right now)",
    rf"what i (?:can|will|am going to|am able to|would like to) do (?:is|now|right now|for you)",
    rf"i (?:have|have just|just|already) (?:\w+ )?(?:booked|arranged|sent|refunded|credited|ordered|raised|logged|processed|issued|scheduled|cancelled|canceled|waived|applied|flagged|updated|emailed|escalated|put|reserved|reissued|added|set up|started|opened|contacted|spoken|asked|found|checked|pulled|noted|made)",
    rf"(?:the next step|the first thing|first thing) (?:is|will be|i will do)",
    r"i will (?:call|ring|email|text|get back to) you (?:back )?(?:\w+ ){0,3}(?:at|by|before|in|within|tomorrow|today|this|first|on|when)",
    r"(?:as we speak|right now i am|i am doing (?:that|it|this) now|i am on it)",
    rf"(?:here is|this is) what (?:i|we) (?:will|are going to|am going to|can) do",
])
ACTION_NOT = compile_all([
    r"(?:i|we) can not do (?:anything|much)",
    r"nothing (?:i|we) can do",
])

REFLECT_MARKERS = compile_all([
    r"so (?:what )?you (?:are|were|have|had|did|got|received|came|ordered|paid|waited|called|bought|spent|been|say|said|mean|want|need|tried|went|stayed|took)",
    r"if i (?:have|understand|heard|hear) (?:this |that |it |you )?(?:right|correctly)",
    r"if i (?:have )?got (?:this|that|it|you) right",
    r"what i am hearing is",
    r"(?:i hear|i understand|i gather|i see|i can see|i note) (?:that )?(?:you|your|the|this|it)",
    r"just to (?:confirm|make sure|check|be clear|recap|clarify)",
    r"let me (?:make sure|check) i (?:understand|have|got)",
    r"(?:it )?sounds like (?:you|your|the)",
    r"you are (?:saying|telling me)",
    r"(?:so|and) (?:the|your) \w+ (?:was|is|were|has|had|did|still|never|arrived|came|broke)",
    r"you (?:have|had|were|have been|had been) (?:\w+ ){0,2}(?:waiting|told|promised|given|sent|charged|left|back|here|calling|trying)",
    r"(?:to recap|to sum up|in other words|so basically)",
])

OPEN_QUESTION = compile_all([
    r"(?:what|how|why|in what way)(?! (?:i|we) (?:can|will|would|am|are|could|shall|need|have|do|did)\b)(?! about\b)(?! a\b)(?! is (?:that|this) (?:going|the)\b) \w+",
    r"(?:could|can|would|will) you (?:\w+ )?(?:tell|walk|talk|explain|describe|share|give me|fill) (?:me|us)?",
    r"tell me (?:more|about|what|how|a bit|a little|exactly|everything|which|when)",
    r"(?:help me understand|talk me through|walk me through|take me through)",
    r"(?:when|where) (?:did|was|were|do|does|have|had) (?:you|it|this|that|the)",
])
# "What was the registration?" asks for a fact, not the customer's story.
FACT_QUESTION = compile_all([
    r"what (?:is|was|are|were) (?:the|your|that|this) (?:\w+ )?(?:number|registration|reg|postcode|post code|address|name|date|model|year|make|reference|size|email|account|order|time|amount|balance|code|serial|surname|details|best number|card)",
    r"what (?:size|colour|color|time|date|day|number|model|year|type|make|version|postcode|address)",
    r"how (?:much|many|old|long ago)",
])
# Subject-auxiliary inversion marks a real question even in unpunctuated ASR after a
# statement: "...four calls um what would a fair outcome be", "how did you find out".
INVERTED_QUESTION = compile_all([
    r"(?:what|how|why|when|where) (?:do|did|does|would|could|can|will|have|has|had|was|were|is|are|should|might) (?!(?:i|we)\b)(?:you|your|the|a|an|that|this|they|he|she|it|things|everything|feel|make|help|look|happen|put|be)\b",
])
# "Tell me more", "walk me through": a request for the story wherever it sits in the reply.
STORY_REQUEST = compile_all([
    r"(?:could|can|would|will) you (?:\w+ )?(?:tell|walk|talk|explain|describe|share|fill) (?:me|us)",
    r"tell me (?:more|a bit|a little|exactly|everything)",
    r"(?:help me understand|talk me through|walk me through|take me through)",
])
# "I understand why you're upset", "I can see how stressful": a wh-word after these is
# part of a statement.
EMBEDDING_VERBS = frozenset("understand see know imagine wonder appreciate realise realize hear get gather "
                            "explain sure idea".split())
DISCOURSE = frozenset("""so and okay ok now right well then also just mr mrs ms miss sir madam first firstly great thanks
thank you sure alright all yes yeah but and could can i to help me understand""".split())
CLOSED_START = ("is ", "are ", "do ", "did ", "does ", "can ", "could i", "would that", "will that", "have you",
                "has ", "was ", "were ", "shall ", "may ", "should ")

OWN_NAME = compile_all([
    r"my name is (\w+)",
    r"my name(?:s)? (\w+)",
    r"this is (\w+) (?:\w+ )?(?:speaking|here|from|on the line|at)",
    r"i am (\w+) (?:from|at|with|on) (?:the )?(?:\w+ )?(?:team|department|desk|support|customer|service|company|store|bank|counter|\w+)",
    r"(\w+) (?:speaking|here) (?:from|at|how)",
    r"you are (?:speaking|talking) (?:to|with) (\w+)",
    r"you have (?:reached|got|been put through to) (\w+)",
    r"(?:i am|call me|it is) (\w+) by the way",
    r"(?:^|(?<=\s))i am (\w+) (?=and\b|from\b|here\b|speaking\b|i will\b|your\b|on\b)",
    r"(?:^|(?<=\s))i am (\w+)$",
])
NOT_NAMES = frozenset("""sorry so really very happy going here just not afraid glad calling the a an your you this that
it is from on with at team sure more only also still now looking trying working able unable aware ready checking
pleased delighted honestly totally completely absolutely definitely certainly customer service support department
desk store bank company counter calling speaking sorting dealing helping handling one someone somebody
committed determined keen responsible available certain confident concerned worried listening new back still fine
good okay ok here there in at going afraid conscious grateful thankful right wrong late early free busy on off
putting booking sending getting taking making doing adding arranging raising marking moving noting logging refunding
honest serious happy sad pleased really so very too also actually absolutely""".split())

CONTRADICTION = compile_all([
    r"that is (?:\w+ )?(?:not|simply not|just not|definitely not|absolutely not) (?:true|correct|accurate|what happened|how it (?:works|happened|went)|the case|what (?:we|i|you) (?:said|told))",
    # "that's not right, the system says..." disputes; "that's not right at all, you've been charged twice" agrees
    r"that is (?:\w+ )?(?:not|simply not|just not|definitely not|absolutely not) right(?! at all\b)(?! (?:\w+ ){0,2}(?:you have been|you were|you should|i am sorry|sorry|i will|let me|we will|we should)\b)",
    r"you are (?!not\b)(?:\w+ )?(?:wrong|mistaken|confused|incorrect|lying|making (?:this|that|it) up|exaggerating|overreacting|imagining)",
    r"(?:it|that|the \w+) must be (?:there|somewhere|in your|with you|at your|on your)",
    r"(?:that is|it is) not what (?:is|was) (?:happening|happened|going on)",
    r"(?:you|your \w+) (?:probably|obviously|clearly|evidently|simply|just) (?:\w+ ){0,2}(?:does not|do not|did not|is not|are not|was not|has not|have not|forgot|missed|misread|ordered|entered|typed|chose|selected|picked|got|put|gave|used|needs?)",
    r"(?:must|would) have been (?:late|wrong|you|your|a mistake on your|missed|entered wrong)",
    r"(?:i do not think|i doubt) (?:it was|that was|this was|it is) (?:our|my) (?:fault|mistake|error|problem)",
    r"you must have (?:misunderstood|misheard|misread|got it wrong|confused)",
    r"(?:\w+ )?(?:would not|did not|never) have (?:said|told you|promised|done) that",
    # someone on our side "would never have" done what the customer reports
    r"(?:nobody|no one|none of (?:us|our \w+)) (?:\w+ ){0,4}would (?:ever )?have (?:rung|rang|called|phoned|said|told|promised|done|given|offered|agreed|sent|charged|left)",
    r"(?:we|our (?:\w+ )?(?:staff|agents?|team|drivers?|engineers?|fitters?|people)|they|he|she) (?:\w+ ){0,4}(?:would not|would never) (?:ever )?have (?:rung|rang|called|phoned|said|told|promised|done|given|offered|agreed|sent|charged|left)",
    # the customer's memory or reading is wrong
    r"you must (?:be|have been) (?:looking at|thinking of|reading|confusing|mixing|misremembering|mistaking|getting (?:it|this|that|them|mixed|confused)|referring to|talking about|mistaken|wrong|confused)",
    # denying what they report: "it's not missing", "the doors weren't missing when..."
    r"(?:it|they|the \w+) (?:is|are|was|were) not (?:actually |really |even )?(?:missing|lost|broken|faulty|damaged|defective|down)",
    # emphatic "did": "the engineer did turn up"
    r"(?:he|she|they|the \w+|it|we) did (?:actually |definitely |really )?(?:turn up|arrive|come|attend|deliver|sign|ring|knock|visit|show up|go out|send|leave|cancel|receive|get there|agree|tell you|order|charge)\b",
    r"(?:the \w+|that|it|this) is not (?:the|your) (?:real )?(?:problem|issue|cause)",
    # "you never actually cancelled": an accusation (but "you never even got a call back" is reflecting)
    r"you (?:never|did not|have not|had not) (?:actually|really) (?!get|got|receive|received|hear|heard|see|saw|seen|know|knew|have|had|been|need|needed)\w+",
    r"(?:no|nope) (?:you|that|it|we|i) (?:did not|do not|does not|was not|is not|were not|never|have not|had not)(?! (?:\w+ ){0,2}(?:wrong|anything wrong|a mistake|at fault|your fault)\b)",
    # "you must have been so worried" is empathy, not an accusation
    rf"you must have (?!(?:been|felt|had) (?:\w+ ){{0,3}}(?:{FEELING}|through|a (?:rough|hard|tough|long|terrible|awful|horrible|difficult)))(?:\w+ ){{0,3}}(?:\w+)",
    r"you (?:should|could) have (?:\w+ )?(?:checked|read|ordered|told|called|looked|known|asked|noticed|seen|measured|given|brought|said)",
    r"you (?:probably|obviously|clearly|evidently|likely) (?:\w+ ){0,2}(?:ordered|gave|entered|typed|misread|forgot|did|chose|picked|got|missed|brought|asked|put|said|told|wrote|selected)",
    r"(?:that|this|it) (?:never|did not) happen",
    r"that is (?:impossible|not possible according to|nonsense|rubbish|ridiculous)",
    r"that (?:can|could) not be (?:right|true|the case)",
    r"(?:actually|in fact|technically) (?:you (?:did|do|were|was|had|have (?:\w+ed|got|had))\b|you \w+ed\b|it was you|that is not|it is not|the \w+ (?:was|is) (?:fine|correct|right))",
    r"(?:our|the) (?:records|record|system|systems|notes|logs|tracking|file) (?:clearly )?(?:show|shows|say|says|state|states|indicate|indicates|has it|confirms?) (?:that )?(?:you|it was|it has been|it is|the \w+ (?:was|is|has))",
    r"there is no way (?:that|you|the|it|this|we)",
    r"i (?:do not|really do not) (?:think|believe) (?:that is|that was|you|it was|this is) (?:\w+ )?(?:true|right|correct|what|accurate|the case|did)",
    r"(?:nobody|no one|we never|i never) (?:promised|said|told|agreed|offered|guaranteed)",
    r"we (?:never|did not) (?:promise|say|tell|agree|offer|guarantee)",
    r"i (?:doubt|do not believe) (?:that|you|it|this)",
    r"(?:it|that|this) is (?:your|the customer's) (?:own )?(?:fault|mistake|responsibility|problem)",
    r"you (?:did not|didn't|never) (?:read|check|follow|listen|fill|give|tell|pay attention)",
    r"(?:the|your) \w+ (?:was|is) (?:working )?(?:fine|perfect|correct) when (?:it|we|you)",
    r"you (?:are|were) the one who",
])
# Contradictions that are only so when not negated ("you got it wrong" / "you haven't got it wrong").
CONTRADICTION_NEGATABLE = compile_all([
    r"you (?:have |had )?(?:got|get|remembered|read|heard|understood|typed|entered|put|written|filled|measured|set) (?:\w+ ){0,2}(?:wrong|mixed up|confused|back to front|the wrong way)",
])
# Evidence held up against the customer's account. It only contradicts when the
# trainee does not go on to own the gap ("...which means it went astray with us").
CONTRADICTION_EVIDENCE = compile_all([
    r"(?:our|the|my|his|her|their|your|this|that|mine) (?:\w+ ){0,2}(?:records?|system|systems|notes|logs?|tracking|file|screen|sheet|handheld|scanner|photo|tests?|data|computer|paperwork|mine) (?:clearly |all |definitely )?(?:show|shows|showed|say|says|said|state|states|indicate|indicates|confirm|confirms|confirmed) (?:that )?(?:\w+ ){0,4}(?:delivered|fitted|signed|on time|fine|working|nobody|no one|everything|arrived|attended|turned up|completed|received|collected|correct|one payment|was paid|no fault|no outage|you (?:were|was|did|had|have))",
    r"(?:our|the|my) (?:\w+ ){0,2}(?:records?|system|systems|notes|logs?|tracking|file|data|tests?) (?:are|is|were|was) (?:all )?(?:clear|correct|right|fine|accurate)",
    r"(?:there is|there was) (?:nothing|no record|no sign|no note|no trace) (?:\w+ ){0,3}(?:on|in|from|of) (?:the|your|our|that|this) (?:account|system|file|records?|notes|day|call)",
    r"there (?:was|were) (?:not|no) (?:any )?(?:fault|outage|problem|issue|delay|error|mistake)s? (?:in|on|with|at) (?:your|the|our|that|this)",
    r"(?:we|i) (?:never|did not|have not|had not) (?:\w+ )?(?:received|receive|got|get|had|have|see|saw|seen|find|found) (?:a |any |an |your |the )?(?:\w+ ){0,2}(?:letter|email|call|request|cancellation|notice|message|form|complaint|payment|claim|note|record)s?",
])
# The trainee owning the gap the evidence shows.
# Taking the blame off the customer: says the opposite of defending yourself or disputing them.
EXCULPATE = compile_all([
    r"(?:it is |that is |this is |none of this is |this was )?not (?:on )?your (?:fault|doing|mistake)",
    r"you (?:did|have done) (?:everything|all of it) (?:right|correctly)",
    r"you (?:did|have done) nothing wrong",
    r"you (?:did|have) not done anything wrong",
    r"you did not do anything wrong",
])
# Understanding a procedure, not a feeling ("I understand the process, it takes five days").
UNDERSTAND_PROCESS = compile_all([
    r"i (?:do |fully |completely )?understand (?:the|our|how the|how our|that the|that our) "
    r"(?:process|policy|policies|system|rules?|procedure|terms|contract|schedule|timeline|timescales?)",
])

OWNED_GAP = compile_all([
    r"(?:on|at) our (?:side|end)", r"with us", r"our (?:mistake|fault|error|doing)", r"not your (?:doing|fault|mistake)",
    r"(?:gone|went|go) (?:wrong|astray|missing)", r"but (?:you|it) (?:have not|has not|did not|never|is not|still)",
    r"(?:does|do) not mean", r"(?:we|i) (?:have )?(?:lost|misplaced|missed)",
])
# Scope of a disclaimer: "I'm not saying you're wrong", "that doesn't mean it didn't happen".
DISCLAIMER = compile_all([
    r"(?:not|never) (?:\w+ )?(?:saying|suggesting|implying|claiming|doubting|questioning|arguing|disputing|accusing|blaming|pointing (?:the )?fingers?)",
    r"(?:does|do|did) not (?:mean|think|believe|suggest)",
    r"(?:nobody|no one) (?:here )?(?:is|will be|is going to be) (?:saying|suggesting|blaming|accusing)",
    r"not going to (?:argue|blame|point)",
])

AGREEMENT = compile_all([
    r"i (?:\w+ )?(?:completely |totally |fully |absolutely |do |entirely |100 percent |one hundred percent )?agree(?! to)(?! with (?:the|our) (?:policy|terms))",
    r"you are (?:\w+ )?(?:absolutely |completely |totally |so |quite |dead |100 percent |one hundred percent )?right(?! to)(?! about the (?:\w+ )?(?:number|date|time|amount))",
    r"(?:yes|yeah|yep) (?:that is|it is|this is|that was|it was|they are|we are|you are) (?:\w+ )?(?:true|right|correct|terrible|awful|ridiculous|unacceptable|a disgrace|shocking|rubbish|useless|pathetic|a joke|bad|poor|outrageous|appalling)",
    r"that is (?:so |completely |totally |absolutely |very |quite |all |sadly )?true",
    r"(?:our|the|this|your) (?:service|company|delivery|deliveries|system|systems|staff|team|product|products|courier|couriers|store|shop|bank|process|website|app) (?:is|are|has been|have been|was|were) (?:\w+ )?(?:terrible|awful|useless|rubbish|a joke|hopeless|shocking|a disgrace|bad|poor|pathetic|appalling|a shambles|the worst|incompetent)",
    r"(?:it is|that is|this is|it was|that was) (?:absolutely |completely |totally |frankly |honestly |just )?(?:ridiculous|a joke|a disgrace|shocking|pathetic|outrageous|appalling|a shambles|disgraceful|scandalous)",
    r"we are (?:\w+ )?(?:terrible|useless|hopeless|awful|the worst|a joke|rubbish|incompetent|pathetic|clueless|a shambles|a mess)",
    r"you are not wrong",
    r"(?:awful|terrible|poor|bad|shocking|appalling|rubbish|dreadful|abysmal|woeful|pathetic) (?:service|work|job|effort) (?:from us|on our part|by us|from our)",
    r"(?:absolutely|totally|completely|yes|yeah) (?:\w+ ){0,10}(?:is|was|are|were) (?:\w+ )?(?:awful|terrible|rubbish|useless|a joke|a disgrace|shocking|pathetic|appalling|hopeless)",
    r"(?:total|complete|utter|absolute) (?:failure|shambles|disgrace|joke|mess) on our part",
    r"(?:absolutely|exactly|totally|definitely) (?:right|true|agree)",
    r"(?:you have|you have got) a point",
    r"(?:i|we) (?:would|will) (?:never|not) (?:buy|use|shop|bank|order) (?:from|with|here|there) (?:\w+ )?either",
    r"i (?:would )?(?:not|never) blame you for (?:leaving|going|switching|cancelling)",
])

DEFENSIVE = compile_all([
    r"(?:it is|that is|that was|this is|it was|this was) (?:\w+ )?not (?:my|our|me) (?:fault|doing|problem|responsibility|decision|call|department|job)",
    r"not my (?:fault|problem|department|responsibility|job|decision|call|doing|area)",
    r"i am (?:just|only|simply) (?:doing my job|following|the messenger|here to|telling you|a|an|one)",
    r"do not (?:blame|shout at|yell at|take it out on|get angry at|have a go at) me",
    r"i (?:did not|do not|never) (?:make|write|set|create) (?:the|these|our|that|this) (?:rules|rule|policy|policies|decision|prices)",
    r"i (?:did not|never|was not the one who) (?:do|did|say|said|cause|caused|touch|touched|sell|sold|promise|promised|ship|shipped|send|sent|pack|packed)",
    r"as i (?:already |have already |just |have just |previously |have )?(?:said|told you|explained|mentioned|stated)",
    r"i (?:already|have already|have just) (?:told|explained|said)",
    r"(?:please |just |you need to |you have to |can you |could you |will you )?calm down",
    r"there is no (?:need|call|reason) (?:to|for) (?:shout|yell|be rude|raise your voice|get angry|be like that|that|swear|the attitude|this attitude)",
    r"(?:i am|i have been) (?:doing|trying) (?:my|the) (?:very )?best",
    r"with all due respect",
    r"you (?:do not|have no) (?:need|right) to (?:shout|yell|be rude|talk to me|speak to me|raise)",
    r"(?:that is|it is) (?:just )?(?:how|the way) (?:it|things|this) (?:is|are|works|work|goes)",
    r"i (?:was not|am not) (?:even )?(?:the one|working|here|on shift|responsible|to blame)",
    r"(?:it is|that is) not (?:like|as if) i",
    r"i have (?:other|a lot of|lots of|many) (?:customers|calls|people)",
    r"you (?:are|were) (?:being )?(?:unreasonable|difficult|rude|impossible)",
    r"i (?:can not|can't) (?:help|control) (?:it|that|what|the)",
    r"what do you (?:want|expect) me to do",
    r"i (?:only|just) work here",
    r"(?:you|customers) (?:people )?(?:always|never) (?:\w+ )?(?:read|listen|check)",
    r"do you (?:think|want) i (?:wanted|want|like|enjoy)",
    r"i (?:do not|don't) (?:have to|need to) (?:explain|justify|listen)",
    r"i (?:did not|never) (?!catch|hear|get|quite|understand)\w+ (?:your|the|that|this|it|anything|a)",
    r"i am not (?:\w+ )?(?:useless|stupid|thick|an idiot|incompetent|reading (?:from )?(?:a |the )?script|a robot|lying|the one|paid|here to be|admitting|accepting (?:the )?(?:blame|responsibility|liability)|responsible for)",
    r"(?:maybe|perhaps) if you (?:stopped|stop|would stop|calmed|listened|let me|were)",
    r"if you (?:stopped|would stop|stop) (?:shouting|yelling|interrupting|swearing)",
    r"not up to me",
    r"(?:that is|it is) what (?:the system|the policy|the rules) (?:allows?|says)",
    r"there is no (?:need|call) (?:for|to be) (?:sarcasm|that|rudeness|the sarcasm|that tone|language like that|sarcastic|rude)",
    r"(?:why|how come) you are being (?:like this|like that|so)",
    r"i (?:do not|don't) (?:take|get) (?:coffee )?breaks",
    r"(?:is|was) (?:not )?going to help you,? (?:is|was) it",
    r"i found it,? did not i",
    # self- or company-justification: "we did everything right", "I've done nothing wrong"
    r"(?:i|we) (?:have )?(?:done|did) nothing wrong",
    r"i have been nothing but",
    r"there (?:is|was) (?:absolutely )?nothing wrong with (?:our|the|my|this|that|how) ",
    r"(?:that|this|it|which) (?:is|was) not (?:really |exactly )?(?:on|down to) (?:me|us)",
    r"nothing to do with (?:me|us)",
    r"(?<!you )not (?:us|me|ours|mine)(?! at our best)",
    r"(?:we|i) (?:are|am) not (?:\w+ )?(?:responsible|liable|accountable) for",
    r"(?:you can not|do not|you are not going to|you will not) (?:pin|put|lay) (?:this|that|it|the blame) on me",
    r"there is no (?:need|call|reason) (?:to|for) (?:take|use|that|this) (?:that |this |the )?tone",
])
# Defensive only when not negated ("we did everything right" / "we didn't handle it properly").
DEFENSIVE_NEGATABLE = compile_all([
    r"(?:i|we) (?:have )?(?:did|done|do|followed|follow|handled|processed) (?:\w+ ){0,3}(?:right|correctly|properly|by the book|to the letter|as we should|exactly as)",
    r"(?:our|my) (?:\w+ ){0,2}(?:is|are|was|were) (?:all )?(?:fully |highly |very |properly )?(?:trained|qualified|professionals?|experienced|reliable|excellent|the best)",
    r"we stand by (?:our|the|my)",
    r"i (?:only|just) (?:started|joined|got here|came on|began)",
    r"i (?:take|took|am taking) (?:\w+ )?(?:offence|offense)",
    r"i am being (?:\w+ )?(?:polite|reasonable|patient|civil|professional|courteous|nice|helpful)",
])

BLAME_WHO = (r"(?:(?:my|our|the|that|this|your|his|her|their) (?:\w+ )?(?:colleague|colleagues|coworker|coworkers|team ?mate|agent|agents|rep|reps|"
             r"representative|advisor|adviser|staff|team|warehouse|driver|drivers|courier|couriers|delivery (?:guy|driver|team|company|people)|"
             r"back office|billing|tech|technical|engineer|engineers|manager|supervisor|department|store|branch|shop|guys|guy|lad|girl|"
             r"people|person|clerk|cashier|someone|system team|dispatch|packer|packers|night shift|day shift|temp|trainee|"
             r"contractor|contractors|partner|supplier|suppliers|factory|lads|salesman|salesmen|salesperson|sales team|"
             r"developers|developer|technician|technicians|fitter|fitters|installer|installers|assessor|assessors|"
             r"finance team|accounts team|camera team|call centre|crew|operator|operators|staff member|office|head office|shift)|(?:whoever|the last person|the previous (?:person|agent|rep)|"
             r"the other (?:agent|person|guy|department|team|branch|store|shift)|the new (?:guy|girl|person|starter|hire)|he|she|they|them|somebody|someone|"
             r"billing|dispatch|despatch|collections|accounts|finance|logistics|sales|maintenance|tech support))")
BLAME_HOW = (r"(?:messed|mess|screwed|screw|botched|bungled|fouled|cocked|stuffed|mucked|dropped the ball|did not bother|could not be bothered|"
             r"can not be bothered|do not (?:know|care)|does not (?:know|care)|did not (?:know|care|check|read|listen|follow)|should (?:not|never) have|should have (?:known|checked|told)|"
             r"useless|incompetent|hopeless|lazy|careless|clueless|sloppy|idiot|idiots|the problem|to blame|no idea|not (?:very )?good at|"
             r"(?:always|never|constantly|keep|keeps) (?:\w+ )?(?:get|gets|getting|mess|messing|do|does|make|makes|making|mix|mixes|lose|loses|check|checks) (?:\w+ )?(?:wrong|mistakes|up|it|things|right)|"
             r"got (?:it|this|that|everything|things|your \w+) (?:\w+ )?wrong|gave you (?:the )?(?:wrong|bad|incorrect) (?:\w+ )?(?:information|advice|info|part|answer)|lied|a joke|rubbish|terrible|awful|"
             r"(?:fault|mistake|error)s?|blew it|slacking|asleep|half asleep|winging it|making it up|made it up|"
             r"a nightmare|nightmare|even bother|bother (?:knocking|checking|looking|reading|calling)|notorious|"
             r"should know better|should have known better|can not (?:add up|count|read|spell|be trusted)|"
             r"(?:never|always|do not|does not|did not) (?:\w+ ){0,2}(?:properly|right|anything right|check|checks|care|cares|bother|bothers|listen|listens)|"
             r"should not have (?:said|told|done|sold|promised|given|sent)|on them|their problem|their fault|"
             r"rushed|rush|ignore|ignored|ignores|ignoring|skipped|cut corners|are like that|is like that|typical|"
             r"without (?:even )?(?:looking|checking|reading|asking|bothering|thinking|listening)|"
             r"(?:keep|keeps|kept|always|constantly|forever) \w+ing (?:\w+ ){0,4}(?:wrong|people|customers|mistakes|things up|it up)|"
             r"(?:measured|cut|packed|labelled|labeled|entered|typed|keyed|fitted|priced|loaded|wired|logged|set) (?:it|this|that|them|everything|the \w+|your \w+) (?:\w+ )?wrong|"
             r"(?:did not|never) (?:pass|passed|send|sent|tell|told|update|updated|process|processed) (?:\w+ ){0,3}on)")
BLAME = compile_all([
    rf"{BLAME_WHO} (?:\w+ ){{0,6}}(?<!our )(?<!my ){BLAME_HOW}",
    # deflecting: "that's down to the supplier", "that's the crew, not us"
    rf"(?:that is|it is|it was|that was|this is|this was) (?:all )?down to {BLAME_WHO}",
    rf"{BLAME_WHO} (?:\w+ ){{0,3}}not (?:us|me|ours|mine)\b",
    r"(?:a nightmare|hopeless|useless|a joke|a shambles) (?:with|over (?:at|in)) (?:them|that lot|that team|the \w+)",
    r"(?:take it up|complain|you (?:will |would |can |should |could )?(?:need to |have to )?(?:speak|talk)) (?:with|to) (?:whoever|the \w+ (?:who|that)|them)",
    r"(?:that is|it is) on (?:them|him|her|the (?!airline\b|company\b|business\b|firm\b|bank\b|house\b)\w+)",
    r"(?:for|about) something (?:the|my|our|that|another) (?:\w+ ){0,2}(?:did|caused|made|said)",
    r"(?:it is|it was|that is|that was|this is) (?:all )?(?:the|their|his|her|our) (?:\w+ ){0,2}(?:fault|mistake|doing|screw up|mess)",
    r"blame (?:the|my|our|them|him|her|that|this) \w*",
    r"(?:not|never) (?:the )?(?:brightest|sharpest|most competent|most reliable)",
])
# Owning a colleague's mistake without criticising them is what the guidance asks for:
# near one of these, a plain account of the error ("my colleague gave you the wrong
# date") is not blame; contempt or deflection (BLAME_HARSH) still is.
BLAME_OK = compile_all([
    r"(?:apologi[sz]e|sorry|apologies) (?:\w+ ){0,6}(?:colleague|team|we|our|the \w+) (?:\w+ ){0,3}(?:gave|made|sent|told|got|mix|mixed|mistake)",
    r"(?:i am|we are) (?:\w+ ){0,2}sorry", r"i (?:\w+ ){0,2}apologi[sz]e", r"(?:my|our) (?:\w+ )?apologies",
    r"(?:that is|it is|it was|that was) (?:all )?(?:our|my) (?:mistake|fault|error|responsibility)",
    r"on us", r"we let you down",
])
BLAME_HARSH = compile_all([
    r"(?:messed|mess|screwed|screw|botched|bungled|cocked|stuffed|mucked|dropped the ball|bother|bothered|useless|"
    r"incompetent|hopeless|lazy|careless|clueless|sloppy|idiots?|no idea|not (?:very )?good at|always|never|constantly|"
    r"keep|keeps|lied|a joke|rubbish|terrible|awful|fault|faults|blew it|slacking|asleep|winging it|made it up|"
    r"nightmare|notorious|know better|clearly|obviously|did not (?:even )?(?:read|check|listen|look|follow)|can not (?:add up|count|read|spell|be trusted)|on them|their problem|rushed|"
    r"ignore|ignored|ignores|ignoring|cut corners|like that|typical|without even|again|not (?:us|me|ours|mine)|"
    r"down to|to blame|do not care|does not care|did not care)",
])
# Taking yourself or the company out of it; next to a named colleague, that is blame.
DEFLECT = compile_all([
    r"(?:that|this|it|which) (?:is|was) not (?:really |exactly )?(?:on|down to) (?:me|us)", r"nothing to do with (?:me|us)",
    r"(?<!you )not (?:us|me|ours|mine)", r"not (?:our|my) (?:fault|doing|problem)",
])

# After "I can't" / "I won't": idioms and promises, not limits.
NOT_A_LIMIT = (r"(?:thank|imagine|stress|apologi[sz]e|wait|believe|blame|tell you how|say (?:enough|how)|"
               r"see (?:any|why|a) reason|let (?:this|that|it) happen|let (?:you|this|that|it) (?:down|leave|go|slip|drag|happen))")
NEGATIVE_FRAMING = compile_all([
    rf"(?:i|we) (?:can not|am not able to|are not able to|am unable to|are unable to|am not allowed to|are not allowed to|will not|do not|did not|are not|am not|could not|would not|never) (?!{NOT_A_LIMIT})(?:\w+ ){{0,2}}(?!{NOT_A_LIMIT})(?:do|help|give|offer|refund|change|allow|make|promise|send|provide|authori[sz]e|accept|process|guarantee|waive|let|issue|cancel|deliver|replace|exchange|fix|sort|credit|extend|discount|say|tell|know|have|handle|deal|see|find|look)",
    r"(?:that|this|it) is (?:\w+ )?(?:not possible|impossible|against (?:our |the |company )?(?:policy|rules|procedure)|not (?:something|what) (?:i|we) (?:can|do|offer|am able|are able|am allowed|are allowed|provide)|not allowed|not permitted|out of (?:my|our) hands)",
    r"(?:there is|there was) (?:\w+ )?nothing (?:else |more )?(?:i|we|more i|more we|anyone) (?:can|could)",
    # "nothing I can do about...", "not much I can do", "not sure there's anything I can do"
    r"(?:nothing|not much|not a lot|not (?:\w+ ){1,3}(?:anything|much|a lot)) (?:else |more )?(?:i|we|anyone) (?:can|could) (?:do|offer|change)",
    r"(?:i|we) (?:am|are) not (?:in a position|authori[sz]ed|permitted) to",
    r"(?:there is|there are|we have|we have got) no (?:other |more |spare )?\w+ (?:here|left|available|in stock)",
    r"(?:you will|you would|you are going to) (?:have|need) to",
    r"you (?:have|need) to (?:call|contact|go|wait|fill|send|speak|ring|email|write|visit|come|bring|talk|pay|accept|understand)",
    r"(?:unfortunately|sadly|i am afraid) (?:\w+ ){0,3}(?:not|nothing|no|can not|unable|impossible)",
    r"(?:no|nope) (?:i|we) (?:can not|do not|will not|are not)",
    r"(?:that is|it is) (?:just |simply )?(?:the|our|company) (?:policy|rule|rules|procedure)",
    r"(?:the|our) (?:policy|system|rules) (?:does not|do not|will not|can not) (?:allow|let|permit)",
    r"(?:i|we) (?:do not|can not) (?:do|offer|give) (?:that|refunds|discounts|exceptions|freebies|anything)",
    r"(?:there is|that is) no (?:way|chance|point)",
    r"not my (?:department|problem|area|job|responsibility|call)",
    rf"(?:i|we) (?:can not|am not able to|are not able to|am unable to|are unable to|am not allowed to|are not allowed to|will not be able to) (?!{NOT_A_LIMIT})(?:just )?\w+",
    r"you (?:will not|can not|are not going to|will never) (?:get|be getting|receive|have(?! to)|be able)",
    r"not up to me",
    r"(?:that is|it is) what the (?:system|policy|rules) (?:allows?|says)",
    r"(?:take it up|you will have to take it up) with",
])
POSITIVE_COUNTER = compile_all([
    r"what (?:i|we) (?:can|could|will|am able to|are able to|would be happy to) (?:do|offer|arrange)",
    r"(?:however|but|instead|though|what i can|the good news) (?:\w+ ){0,4}(?:i|we) (?:can|will|could|am able|are able|would be happy|have)(?! not)",
    r"the (?:best|quickest|fastest|easiest|simplest) (?:way|option|thing|route)",
    r"(?:i can|i will|we can|i could) (?:\w+ ){0,4}instead",
    r"instead (?:i|we) (?:can|will|could)",
    r"here is what (?:i|we) (?:can|will)",
    r"the good news is",
    r"i (?:would be|am) (?:happy|glad|pleased) to",
    r"(?<!nothing )(?<!nothing else )(?<!nothing more )(?<!anything )(?:i|we) can (?:offer|arrange|set up|give you|get you|send|book|help)",
    r"(?:let me|i will) (?:\w+ ){0,2}(?:check|find|see|look|get|arrange|book|send|sort)",
])

BOUNDARY_OK = compile_all([
    r"(?:personal|those|these|such) (?:remarks|comments|attacks|insults|jibes|digs)",
    r"(?:name calling|insults|insulting|the insults|swearing|the language|language like that|talking like that|shouting|attacking me|personal attacks|that kind of (?:talk|language))",
    r"keep (?:this|it|things|our conversation|the conversation|us) (?:\w+ )?(?:respectful|civil|professional|calm|focused|on track|about|polite|courteous|constructive)",
    r"if we (?:can )?(?:keep|stay) (?:\w+ )?(?:respectful|civil|calm|focused|on)",
    r"(?:i|we) (?:can|will) (?:\w+ ){0,4}(?:best|quicker|faster|more quickly) if (?:we|you)",
    r"(?:i|we) (?:really |genuinely |truly )?(?:want|am here|are here|am committed|are committed|am determined) to (?:help|fix|sort|solve|get)",
    r"(?:work|working) (?:on|through) (?:this|it) together",
    r"let us (?:focus|concentrate|stick) (?:on|to)",
    r"(?:will not|does not|is not going to|would not|do not) (?:help|get us|solve|fix|speed|move) (?:\w+ ){0,3}",
    r"(?:i am|we are) on your side",
    r"if we (?:can )?(?:keep|stick|focus|leave|stay|put|set|park|concentrate)",
    r"keep (?:it|this|things|our focus|the focus|us|the conversation) (?:\w+ )?(?:on|about|to)",
    r"(?:without|leave|leaving|set|setting|put|putting|park|parking) (?:\w+ )?(?:the )?(?:names|name calling|insults|digs|remarks|comments|jibes|personal stuff|sarcasm|clever clogs|labels) ?(?:aside|to one side)?",
    r"(?:insults|name calling|trading insults|the digs|sarcasm|shouting at me|calling me names|personal remarks) (?:will not|won't|does not|is not going to|are not going to|do not|would not) (?:help|get|move|fix|solve|speed|bring)",
    r"(?:rather than|not about) (?:me|my \w+)",
    r"(?:i would|i'd) rather we (?:kept|keep|focus|stuck|stick)",
    r"you and (?:me|i) against",
])
BOUNDARY_HARSH = compile_all([
    r"do not (?:you )?(?:dare|talk to me|speak to me|call me)",
    r"how dare you",
    r"i (?:will|am going to|shall|can) (?:\w+ )?(?:hang up|end this call|terminate|disconnect|put the phone down|cut you off)",
    r"(?:watch|mind) your (?:language|mouth|tone|manners)",
    r"shut up",
    r"you are (?:\w+ )?(?:rude|being rude|abusive|out of line|unbelievable|pathetic|ridiculous|a nightmare|impossible|a bully|an idiot|stupid)",
    r"who do you think you are",
    r"i do not have to (?:take|listen|put up)",
    r"i (?:will not|refuse to|am not going to) (?:be )?(?:spoken|talked|treated)",
    r"(?:same|right back) (?:to|at) you",
    r"you (?:are|sound) (?:the )?(?:idiot|stupid|clueless|dense|thick)",
    r"(?:help|bring|fix|change|solve|get|make) (?:\w+ ){0,3}(?:will|is|does|would|did) it",
    r"i am not (?:useless|stupid|thick|an idiot|incompetent)",
    r"(?:maybe|perhaps) if you (?:stopped|stop|calmed|listened)",
    r"there is no (?:need|call) for (?:sarcasm|that|rudeness)",
])
INSULT_CUES = compile_all([
    r"(?:idiot|stupid|useless|incompetent|moron|clueless|pathetic|brain|brainless|thick|dense|waste of|hopeless|"
    r"deaf|monkey|clown|robot|script|amateur|dim|dimwit|genius|brilliant|clever|joke|imbecile|fool|trained|"
    r"half asleep|can you even|do you even|a child|talking to a wall|qualified|competent|read|smart|bright|"
    r"you people|your lot|you lot|thieves|crooks|dumb\w*|muppet|worst of|medal|wonderful|fantastic|marvellous|"
    r"bravo|congratulations|well done|what a treat|advanced for you|beyond you|too hard for you|let me guess|"
    r"liar|lying|con artist|cowboys|rubbish at|idiots|morons|numpties|plonker|donkey|sheep|parrot|puppet)",
])

RESOLUTION_QUESTION = compile_all([
    r"what (?:would|could|will|can|might) (?:\w+ ){0,3}(?:make (?:this|it|things|that) (?:right|better|up)|put (?:this|it|things|that) right|resolve|fix|solve|settle|satisfy|help|look like|be (?:a |the )?(?:fair|good|right|best|ideal|acceptable|reasonable|satisfactory))",
    r"what (?:outcome|result|resolution|solution|remedy)",
    r"what (?:are you|were you|would you be) (?:\w+ )?(?:hoping|looking|expecting|wanting|after)",
    r"what (?:do|would|did) you (?:\w+ )?(?:like|want|need|expect) (?:\w+ ){0,3}(?:to (?:happen|see|do|get)|from (?:us|me|this)|as|in)",
    r"how (?:can|could|would|do|might) (?:i|we) (?:\w+ ){0,2}(?:make (?:this|it|things|that) (?:right|up)|put (?:this|it|things) right|fix|resolve|earn back|win back|turn (?:this|it) around|settle|set (?:this|it) right)",
    r"what would (?:a |it |you )?(?:\w+ )?(?:take|look like|mean|count)",
    r"what would you consider (?:fair|reasonable|acceptable)",
    r"what (?:does|would) (?:a )?(?:good|fair|successful|satisfactory|right|acceptable|reasonable) (?:\w+ )?(?:look like|be|mean)",
    r"(?:tell me|let me know) what (?:would|you) (?:\w+ ){0,3}(?:right|happy|satisf|need|want|expect|fair)",
    r"what (?:matters|is important) (?:\w+ ){0,2}(?:to you|for you|most)",
    r"where (?:would|do) you (?:like|want) (?:us|me|this) to",
    r"what (?:would|might|could) (?:\w+ ){0,3}(?:feel|seem|be) (?:\w+ ){0,2}(?:fair|right|reasonable|acceptable|good)",
    r"what (?:a |an |the )?(?:\w+ ){0,2}(?:outcome|result|resolution|solution|fix) (?:would|could|might) (?:look|be|feel|mean)",
    r"what (?:\w+ ){0,5}(?:would|could|might) make (?:this|it|things|that|you) (?:feel |seem )?(?:\w+ )?(?:resolved|right|better|sorted|fair|happy|satisfied|worth)",
    r"what (?:would|could|might) make (?:the|a|any) (?:\w+ )?difference (?:for|to) you",
    # Checking that the offer lands: "would that work for you", "does that sound fair".
    r"(?:would|will|does|do|could|might) (?:that|this|those|these|either|both|one|any|it) (?:\w+ ){0,2}(?:work|suit|sound|feel|seem|help|do) (?:for you|you|okay|ok|alright|all right|fair|reasonable|right|good|better|acceptable|like)",
    r"(?:would|will) (?:that|this|those|these|either|both|any|it) (?:\w+ ){0,2}be (?:okay|ok|alright|all right|acceptable|enough|fair|good|better|suitable|helpful) (?:for|with|to) you",
    r"how (?:does|do|would) (?:that|this|those|these|it) (?:\w+ )?(?:sound|feel|seem)",
    r"how do you feel about (?:that|this|those|these|the \w+)",
    r"(?:would|are|will) you (?:be )?(?:happy|okay|ok|alright|all right|comfortable|content|satisfied|fine) (?:with|going with|if)",
    r"is (?:that|this) (?:something|an \w+|a \w+|the kind of thing) (?:you|that you) (?:would|could|are|can|might) (?:be )?(?:happy|okay|ok|comfortable|like|want|accept|live|go)",
    r"is (?:that|this) (?:okay|ok|alright|all right|acceptable|fair|enough) (?:for|with|to) you",
    r"(?:is there |was there )?anything (?:else|more) (?:i|we) (?:can|could|might) (?:do|help|sort|look)",
    r"anything (?:else|more) (?:you need|that you need|you would like|i can|we can)",
])

ALTERNATIVES = compile_all([
    r"(?:i|we) (?:can|could) (?:\w+ ){0,8}either",
    r"either (?:\w+ ){1,14}or",
    r"(?:one|the first|first|an) option (?:is|would be|could be|we have)",
    r"(?:another|the other|a second|second|third|a third|other|different|a couple of|a few|some|two|three|several) (?:options|option|choices|choice|ways|alternatives|routes|possibilities)",
    r"you can (?:choose|pick|decide)",
    r"(?:would|do) you (?:prefer|rather)",
    r"or (?:alternatively|instead|if you (?:prefer|would rather|like))",
    r"alternatively",
    r"or (?:i|we) (?:can|could|will)",
    r"(?:if (?:that|this) does not (?:suit|work)|if you would rather)",
    r"(?:two|three|a few|several|a couple of) (?:things|ways) (?:i|we) can",
    r"whichever (?:you|suits|works)",
    r"(?:i|we) (?:can|could|will|would be happy to) (?:\w+ ){1,16}or (?:i can |i could |we can |if (?:\w+ ){1,4}(?:prefer|would rather)\w* (?:i can |we can )?)?(?:\w+)",
    r"option (?:one|two|a|b|1|2)",
    r"(?:shall we|should we|would you like (?:me )?to|do you want (?:me )?to|we could|we can) (?:\w+ ){1,12}or",
])

ESCALATION = compile_all([
    r"(?:get|fetch|grab|call|bring|ask|find|page|put you through to|transfer you to|pass you (?:on |over )?to|put you on (?:to|with)|connect you (?:to|with)|"
    r"hand you (?:over )?to|escalate (?:this |it |you )?to|hand (?:this|it) (?:over )?to|involve|speak (?:to|with)|talk (?:to|with)|put) (?:\w+ ){0,2}"
    r"(?:manager|managers|supervisor|supervisors|team leader|team lead|boss|someone more senior|someone senior|senior|line manager|duty manager|store manager)",
    r"(?:manager|supervisor|team leader|boss) (?:will|can|could) (?:\w+ )?(?:call|speak|talk|deal|handle|take|help|come)",
    r"(?:would you like|do you want) (?:to )?(?:speak|talk) (?:to|with) (?:a |my |the )?(?:manager|supervisor|team leader|boss)",
])

# Paraphrase prototypes: how the move sounds when no stock phrase is used.
PROTOTYPES: dict[str, tuple[str, ...]] = {
    "empathy": (
        "that sounds incredibly frustrating",
        "I can understand why you are so upset",
        "no wonder you are annoyed",
        "I would be fed up too if that happened to me",
        "that must have been really stressful for you",
        "I can hear how angry this has made you",
        "being let down like that is awful",
        "coming back three times would wear anyone down",
        "waiting in all day for nothing is so disappointing",
        "I know how much of a hassle this has been",
        "it is completely understandable that you feel this way",
        "that is a horrible position to be put in",
        "I can imagine how worrying this is",
        "you have every right to be angry about this",
        "that would drive anyone up the wall",
    ),
    "reassure": (
        "we are going to get this sorted for you today",
        "I will make sure this is fixed",
        "you will not have to chase this again",
        "leave it with me and I will take care of it",
        "I promise we will put this right",
        "this will be resolved before the end of the day",
        "you are in good hands, I will see this through",
        "I am going to personally make sure this gets done",
        "we will get to the bottom of this together",
        "I will stay on this until it is solved",
    ),
    "action": (
        "let me check the tracking for you right now",
        "I will book a courier for tomorrow morning",
        "I am refunding the fee as we speak",
        "I am going to look up your order now",
        "let me pull up your account",
        "I will send you a replacement today",
        "I will call you back by five with an update",
        "I am checking the part number against your car",
        "I have arranged a new delivery slot",
        "I will raise this with the warehouse straight away",
    ),
    "resolution-question": (
        "what would put this right for you",
        "what outcome are you hoping for",
        "what would a fair solution look like to you",
        "how can we make this right",
        "what would you like to see happen",
        "what would make you happy with this",
    ),
    "respectful-boundary": (
        "I really want to help you and I can do that best if we keep this respectful",
        "personal remarks will not help us fix this, but I am committed to sorting it out",
        "let us focus on solving the problem together",
        "I am on your side here and I want to get this fixed",
        "I understand you are angry, and I can help more quickly if we keep it about the order",
    ),
}
